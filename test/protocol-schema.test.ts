/**
 * proto/tim.proto is the source of truth of the wire messages: the JSON
 * descriptor the codec loads (src/protocol/schema.ts) and the TypeScript
 * shapes (src/protocol/types.ts) must say what it says.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-root.js';

const proto = protobuf.loadSync(join(packageRoot, 'proto', 'tim.proto')).resolveAll();
const tim = proto.lookup('tim') as protobuf.Namespace;
const messages = tim.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);

/** The text src/protocol/schema.ts must hold: the .proto's descriptor, one message a line. */
function schemaSource(): string {
  const json = tim.toJSON() as { nested: Record<string, unknown> };
  return [
    '/**',
    ' * proto/tim.proto as a protobufjs JSON descriptor, so that the codec needs no',
    ' * file system (browsers). Generated: test/protocol-schema.test.ts fails when it',
    ' * drifts from the .proto; `TIM_UPDATE_SCHEMA=1 npx vitest run test/protocol-schema.test.ts`',
    ' * rewrites it.',
    ' */',
    'const messages = {',
    ...Object.entries(json.nested).map(([name, def]) => `  ${name}: ${JSON.stringify(def)},`),
    '};',
    '',
    '/** The `tim` package of proto/tim.proto (Root.fromJSON input). */',
    'export const timSchema = { nested: { tim: { nested: messages } } };',
    '',
  ].join('\n');
}

/** The TypeScript type a proto field must have in types.ts (ignoring `?` and `| null`). */
function expectedType(f: protobuf.Field): string {
  const scalar = (t: string): string => (t === 'string' ? 'string' : t === 'bool' ? 'boolean' : /int|fixed/.test(t) ? 'number' : t);
  if (f instanceof protobuf.MapField) return `Record<string, ${scalar(f.type)}>`;
  const base = scalar(f.type);
  return f.repeated ? `${base}[]` : base;
}

/** Interfaces of types.ts: name → field → type text (without `| null`), from the TypeScript AST. */
function declaredShapes(): Map<string, Map<string, string>> {
  const file = join(packageRoot, 'src', 'protocol', 'types.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const shapes = new Map<string, Map<string, string>>();
  for (const node of source.statements) {
    if (ts.isTypeAliasDeclaration(node)) shapes.set(node.name.text, new Map()); // Empty = Record<string, never>
    if (!ts.isInterfaceDeclaration(node)) continue;
    const fields = new Map<string, string>();
    for (const m of node.members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      fields.set(m.name.getText(source), m.type.getText(source).replace(/\s*\|\s*null$/, ''));
    }
    shapes.set(node.name.text, fields);
  }
  return shapes;
}

describe('wire schema', () => {
  it('src/protocol/schema.ts is the descriptor of proto/tim.proto', () => {
    const file = join(packageRoot, 'src', 'protocol', 'schema.ts');
    const want = schemaSource();
    if (process.env.TIM_UPDATE_SCHEMA === '1') writeFileSync(file, want);
    expect(readFileSync(file, 'utf8'), 'src/protocol/schema.ts is stale: TIM_UPDATE_SCHEMA=1 npx vitest run test/protocol-schema.test.ts').toBe(want);
  });

  it('src/protocol/types.ts declares every message of the .proto with the same fields and types', () => {
    const shapes = declaredShapes();
    expect(messages.length).toBeGreaterThan(15);
    for (const m of messages) {
      const declared = shapes.get(m.name);
      expect(declared, `interface ${m.name} in types.ts`).toBeDefined();
      const want = new Map(m.fieldsArray.map((f) => [f.name, expectedType(f)]));
      expect(Object.fromEntries(declared!), `fields of ${m.name}`).toEqual(Object.fromEntries(want));
    }
  });
});
