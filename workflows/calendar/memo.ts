// A small bounded memory for pure functions of the calendar. Safe in a workflow: the value depends on
// the key only. Each cached workflow has its own module instances, so the bound is per workflow: when
// full, the memory is emptied and fills again with the current working set.
export function boundedMemo<K, V>(limit: number, compute: (key: K) => V): (key: K) => V {
  const remember = boundedMemory<K, V>(limit);
  return (key) => remember(key, () => compute(key));
}

/**
 * The same memory for a value computed from more than its key, which the key must determine (the
 * key of a calendar is the JSON of its input). A refusal throws and is not remembered.
 */
export function boundedMemory<K, V>(limit: number): (key: K, compute: () => V) => V {
  const known = new Map<K, V>();
  return (key, compute) => {
    if (known.has(key)) return known.get(key)!;
    const value = compute();
    if (known.size >= limit) known.clear();
    known.set(key, value);
    return value;
  };
}
