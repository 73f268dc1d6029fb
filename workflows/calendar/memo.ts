// A small bounded memory for pure functions of the calendar. Safe in a workflow: the value depends on
// the key only. Each cached workflow has its own module instances, so the bound is per workflow: when
// full, the memory is emptied and fills again with the current working set.
export function boundedMemo<K, V>(limit: number, compute: (key: K) => V): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    if (known.has(key)) return known.get(key)!;
    const value = compute(key); // a refusal throws and is not remembered
    if (known.size >= limit) known.clear();
    known.set(key, value);
    return value;
  };
}
