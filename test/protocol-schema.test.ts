/**
 * proto/tim.proto is the source of truth of the wire messages: the JSON
 * descriptor the codec loads (src/protocol/schema.ts), the codecs protobufjs
 * generates for it, written out ahead of time (src/protocol/static-codecs.ts),
 * and the TypeScript shapes (src/protocol/types.ts) must say what it says.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { transformSync } from 'esbuild';
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

/** A generated function's source on one line (esbuild drops the whitespace; names and logic stay). */
function oneLine(fn: { toString(): string }): string {
  const code = transformSync(`x=${fn.toString()}`, { minifyWhitespace: true, loader: 'js' }).code.trim();
  return code.slice(2).replace(/;$/, '');
}

/**
 * The text src/protocol/static-codecs.ts must hold: for each message, the
 * constructor, encoder, decoder, verifier and converters protobufjs would
 * compile at run time (with new Function, which a strict Content-Security-Policy
 * forbids), as source code.
 */
function staticCodecsSource(): string {
  const entry = (t: protobuf.Type): string[] => [
    `  ${t.name}: {`,
    `    ctor: ${oneLine(protobuf.Type.generateConstructor(t))},`,
    '    methods: (Writer, Reader, util, types, C) => ({',
    `      encode: ${oneLine(protobuf.encoder(t))},`,
    `      decode: ${oneLine(protobuf.decoder(t))},`,
    `      verify: ${oneLine(protobuf.verifier(t))},`,
    `      fromObject: ${oneLine(protobuf.converter.fromObject(t))},`,
    `      toObject: ${oneLine(protobuf.converter.toObject(t))},`,
    '    }),',
    '  },',
  ];
  return [
    '/* eslint-disable */',
    '// @ts-nocheck',
    '/**',
    ' * The codecs protobufjs generates for proto/tim.proto, written out ahead of',
    ' * time so that nothing is compiled at run time: the client library then runs',
    ' * in pages whose Content-Security-Policy has no \'unsafe-eval\'. Generated:',
    ' * test/protocol-schema.test.ts fails when it drifts from the .proto;',
    ' * `TIM_UPDATE_SCHEMA=1 npx vitest run test/protocol-schema.test.ts` rewrites it.',
    ' * messages.ts installs them on the reflected types.',
    ' */',
    'export const staticCodecs = {',
    ...messages.flatMap(entry),
    '};',
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

  it('src/protocol/static-codecs.ts holds the codecs protobufjs generates for the .proto', () => {
    const file = join(packageRoot, 'src', 'protocol', 'static-codecs.ts');
    const want = staticCodecsSource();
    if (process.env.TIM_UPDATE_SCHEMA === '1') writeFileSync(file, want);
    expect(readFileSync(file, 'utf8'), 'src/protocol/static-codecs.ts is stale: TIM_UPDATE_SCHEMA=1 npx vitest run test/protocol-schema.test.ts').toBe(want);
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
