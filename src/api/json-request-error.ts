import { fromJson, ScalarType, type DescEnum, type DescField, type DescMessage, type DescOneof, type JsonObject, type JsonValue } from '@bufbuild/protobuf';
import { type AppError, invalidArgument, invalidEnumValue, invalidJson, unknownField } from '../errors/index.js';

const STRICT = { ignoreUnknownFields: false } as const;

/** What protobuf-es rejected, and where: the full path of the field, as the proto names it. */
type Problem =
  | { kind: 'unknown'; path: string; message: DescMessage; key: string }
  | { kind: 'twice'; path: string; field: DescField; keys: [string, string] }
  | { kind: 'oneof'; path: string; oneof: DescOneof; names: [string, string] }
  | { kind: 'value'; path: string; field: DescField; element: boolean; value: JsonValue };

/**
 * Explains why protobuf-es rejected a JSON request body, as the catalogue's INVALID_ARGUMENT naming the
 * field's full path (`filter.blur`, `variation_configs[1].resize.fit`), what it accepts and what it got.
 * protobuf-es decides what is valid; this only finds where: its own messages name the message type
 * (or only the enum type) but not the path. Runs after a rejection, never on a valid request.
 */
export function jsonRequestError(schema: DescMessage, text: string, cause: unknown): AppError {
  let json: JsonValue;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (e) {
    return invalidJson(`expected the JSON of ${schema.typeName}, received text that is not JSON (${(e as Error).message})`, cause);
  }
  if (!isObject(json)) return invalidJson(`expected a JSON object (${schema.typeName}), received ${JSON.stringify(json).slice(0, 80)}`, cause);
  const problem = findProblem(schema, json, '');
  // What the walk cannot see, e.g. a key written twice (JSON.parse keeps only the last): protobuf-es's words.
  if (!problem) return invalidJson(cause instanceof Error ? cause.message : String(cause), cause);
  return explain(problem);
}

function findProblem(desc: DescMessage, json: JsonObject, prefix: string): Problem | undefined {
  const seen = new Map<DescField, string>();
  const oneofs = new Map<DescOneof, DescField>();
  for (const [key, value] of Object.entries(json)) {
    const field = desc.fields.find((f) => f.name === key || f.jsonName === key);
    if (!field) return { kind: 'unknown', path: join(prefix, key), message: desc, key };
    const path = join(prefix, field.name);
    const earlier = seen.get(field);
    if (earlier !== undefined) return { kind: 'twice', path, field, keys: [earlier, key] };
    seen.set(field, key);
    if (field.oneof && value !== null) {
      const other = oneofs.get(field.oneof);
      if (other) return { kind: 'oneof', path, oneof: field.oneof, names: [other.name, field.name] };
      oneofs.set(field.oneof, field);
    }
    const problem = valueProblem(desc, field, key, value, path);
    if (problem) return problem;
  }
  return undefined;
}

/** Descends into messages, lists and maps for the path; each leaf is judged by protobuf-es itself. */
function valueProblem(desc: DescMessage, field: DescField, key: string, value: JsonValue, path: string): Problem | undefined {
  if (field.fieldKind === 'message' && isPlain(field.message) && isObject(value)) return findProblem(field.message, value, path);
  if (field.fieldKind === 'list' && Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const at = `${path}[${i}]`;
      const problem =
        field.listKind === 'message' && isPlain(field.message) && isObject(item)
          ? findProblem(field.message, item, at)
          : rejects(desc, key, [item]) && ({ kind: 'value', path: at, field, element: true, value: item } as const);
      if (problem) return problem;
    }
    return undefined;
  }
  if (field.fieldKind === 'map' && isObject(value)) {
    for (const [k, item] of Object.entries(value)) {
      const at = `${path}[${JSON.stringify(k)}]`;
      const problem =
        field.mapKind === 'message' && isPlain(field.message) && isObject(item)
          ? findProblem(field.message, item, at)
          : rejects(desc, key, { [k]: item }) && ({ kind: 'value', path: at, field, element: true, value: item } as const);
      if (problem) return problem;
    }
    return undefined;
  }
  return rejects(desc, key, value) ? { kind: 'value', path, field, element: false, value } : undefined;
}

function rejects(desc: DescMessage, key: string, value: JsonValue): boolean {
  try {
    fromJson(desc, { [key]: value }, STRICT);
    return false;
  } catch {
    return true;
  }
}

function explain(problem: Problem): AppError {
  switch (problem.kind) {
    case 'unknown':
      return unknownField(problem.path, problem.message.typeName, problem.message.fields.map((f) => f.name), problem.key);
    case 'twice':
      return invalidArgument(problem.path, 'the field once, by its proto name or its JSON name', problem.keys);
    case 'oneof':
      return invalidArgument(problem.path, `one of ${problem.oneof.fields.map((f) => f.name).join(', ')} at most`, problem.names);
    case 'value': {
      const { field, value, path } = problem;
      const ofElement = problem.element || (field.fieldKind !== 'list' && field.fieldKind !== 'map');
      if (!ofElement) return invalidArgument(path, field.fieldKind === 'list' ? 'a JSON array' : 'a JSON object', value);
      const enumType = elementEnum(field);
      if (enumType) return enumError(path, enumType, value);
      const message = elementMessage(field);
      if (message) return invalidArgument(path, messageExpectation(message, value), value);
      return invalidArgument(path, SCALARS[elementScalar(field)], value);
    }
  }
}

function enumError(path: string, type: DescEnum, value: JsonValue): AppError {
  const names = type.values.map((v) => v.name);
  // JSON takes an enum value's full name or its number only; a short or lower-case name is pointed at
  // the full one rather than accepted, so requests stay portable to every protobuf JSON implementation.
  const wanted = typeof value === 'string' ? value.trim().toUpperCase().replace(/[^A-Z0-9]+/g, '_') : '';
  const match = type.values.find((v) => v.localName === wanted || v.name === wanted);
  return invalidEnumValue(path, names, value, match ? `did you mean ${match.name}?` : undefined);
}

function messageExpectation(message: DescMessage, value: JsonValue): string {
  switch (message.typeName) {
    case 'google.protobuf.Duration':
      return `a duration string in seconds with an "s" suffix, e.g. "${typeof value === 'number' ? value : 600}s"`;
    case 'google.protobuf.Timestamp':
      return 'an RFC 3339 timestamp string, e.g. "2024-01-31T12:00:00Z"';
    case 'google.protobuf.Struct':
      return 'a JSON object';
    default:
      return isPlain(message) ? `a JSON object (${message.typeName}: ${message.fields.map((f) => f.name).join(', ')})` : `the JSON form of ${message.typeName}`;
  }
}

const INTEGER32 = 'a 32-bit integer (a JSON number or a decimal string)';
const INTEGER64 = 'a 64-bit integer (a JSON number or a decimal string)';
const SCALARS: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: 'a number',
  [ScalarType.FLOAT]: 'a number within the 32-bit float range',
  [ScalarType.INT64]: INTEGER64,
  [ScalarType.UINT64]: `an unsigned ${INTEGER64.slice(2)}`,
  [ScalarType.INT32]: INTEGER32,
  [ScalarType.FIXED64]: `an unsigned ${INTEGER64.slice(2)}`,
  [ScalarType.FIXED32]: `an unsigned ${INTEGER32.slice(2)}`,
  [ScalarType.BOOL]: 'true or false',
  [ScalarType.STRING]: 'a string',
  [ScalarType.BYTES]: 'base64 in a string',
  [ScalarType.UINT32]: `an unsigned ${INTEGER32.slice(2)}`,
  [ScalarType.SFIXED32]: INTEGER32,
  [ScalarType.SFIXED64]: INTEGER64,
  [ScalarType.SINT32]: INTEGER32,
  [ScalarType.SINT64]: INTEGER64,
};

function elementEnum(field: DescField): DescEnum | undefined {
  if (field.fieldKind === 'enum') return field.enum;
  if (field.fieldKind === 'list' && field.listKind === 'enum') return field.enum;
  if (field.fieldKind === 'map' && field.mapKind === 'enum') return field.enum;
  return undefined;
}

function elementMessage(field: DescField): DescMessage | undefined {
  if (field.fieldKind === 'message') return field.message;
  if (field.fieldKind === 'list' && field.listKind === 'message') return field.message;
  if (field.fieldKind === 'map' && field.mapKind === 'message') return field.message;
  return undefined;
}

function elementScalar(field: DescField): ScalarType {
  if (field.fieldKind === 'scalar' || (field.fieldKind === 'list' && field.listKind === 'scalar')) return field.scalar;
  if (field.fieldKind === 'map' && field.mapKind === 'scalar') return field.scalar;
  return ScalarType.STRING;
}

/** A message with the plain JSON shape (one key per field), not a well-known type with its own. */
function isPlain(message: DescMessage): boolean {
  return !message.typeName.startsWith('google.protobuf.');
}

function isObject(value: JsonValue): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}
