import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { EnvironmentError } from '../../lib/errors';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** SearchAttributeType ('KEYWORD') -> the CLI's spelling ('Keyword'). */
function cliTypeName(valueType: string): string {
  return valueType
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** `--search-attribute Campaign=Keyword ...` for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName(key.type)}`]);
}

/** Registers the missing custom search attributes on an existing cluster; fails if one exists with another type. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const missing: Record<string, number> = {};
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    const wanted = IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}` as keyof typeof IndexedValueType] as number;
    const have = custom[key.name];
    if (have === undefined || have === null) missing[key.name] = wanted;
    else if (have !== wanted) {
      throw new EnvironmentError(
        `Search attribute ${key.name} exists on namespace ${namespace} with type ${IndexedValueType[have]}, expected ${IndexedValueType[wanted]}.`,
      );
    }
  }
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return Object.keys(missing);
}
