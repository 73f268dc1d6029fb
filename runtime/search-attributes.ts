// Registers the workflow's custom search attributes on a server that lacks them: the time-skipping
// test server (tests, `simulate`) and self-hosted clusters. The embedded dev server gets them as
// start-up flags instead; Temporal Cloud needs them created in its console or with tcld.
import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
// @temporalio/proto is CommonJS: Node's ESM loader cannot see its named exports (vitest can, which
// hid this), so the compiled code takes the namespace from the default export.
import proto, { type temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

const INDEXED: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const searchAttributes = Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, INDEXED[key.type]!]));
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    // ALREADY_EXISTS (6): registered before, which is what we want.
    if ((err as { code?: number }).code !== 6) throw err;
  }
}
