/**
 * The chart renderer's interpreter against text/template's, Helm's and Sprig's documented
 * behaviour for each construct the chart uses, and its refusal of everything else.
 */
import { describe, expect, it } from 'vitest';
import { GoTemplate } from './go-template.ts';

function run(text: string, dot: unknown = {}, helpers = ''): string {
  const t = new GoTemplate();
  t.add('_helpers.tpl', helpers);
  t.add('t', text);
  return t.render('t', dot);
}

const dot = {
  Values: { a: { b: 'x' }, list: [{ k: 1 }], empty: {}, zero: 0, on: true, blank: '' },
  Release: { Name: 'prod' },
};

describe('the chart template interpreter', () => {
  it.each([
    ['trims white space before {{- and after -}}', 'a  \n  {{- "b" -}}  \n  c', 'abc'],
    [
      'if / else by emptiness',
      '{{ if .Values.empty }}y{{ else }}n{{ end }}{{ if .Values.list }}y{{ end }}',
      'ny',
    ],
    [
      '0 and "" are empty',
      '{{ if .Values.zero }}y{{ else }}n{{ end }}{{ if .Values.blank }}y{{ else }}n{{ end }}',
      'nn',
    ],
    [
      'with sets dot, and skips an empty value',
      '{{ with .Values.a }}{{ .b }}{{ end }}{{ with .Values.empty }}z{{ end }}',
      'x',
    ],
    ['a missing key is nil in if', '{{ if .Values.nope }}y{{ else }}n{{ end }}', 'n'],
    ['toYaml | nindent', 'k:{{ toYaml .Values.list | nindent 2 }}', 'k:\n  - k: 1'],
    ['quote', '{{ .Values.on | quote }} {{ "a\\"b" | quote }}', '"true" "a\\"b"'],
    [
      'default: the given value unless empty',
      '{{ .Values.blank | default "d" }} {{ .Values.a.b | default "d" }}',
      'd x',
    ],
    [
      'printf, trunc, trimSuffix, replace',
      '{{ printf "%s-%s" "ab" "1+2" | replace "+" "_" | trunc 5 | trimSuffix "_" }}',
      'ab-1',
    ],
    [
      'and / not / contains',
      '{{ if and .Values.on (not .Values.zero) }}y{{ end }}{{ if contains "ro" .Release.Name }}c{{ end }}',
      'yc',
    ],
    ['the escaped {{', '{{ "{{" }} $labels.x }}', '{{ $labels.x }}'],
  ])('%s', (_, text, want) => {
    expect(run(text, dot)).toBe(want);
  });

  it('include renders a define from any file with the dot it is given', () => {
    const helpers = '{{- define "n" -}}\n{{ .Release.Name }}-kt\n{{- end }}';
    expect(run('name: {{ include "n" . }}', dot, helpers)).toBe('name: prod-kt');
  });

  it.each([
    ['a field of nil', '{{ .Values.nope.deeper }}', /nil pointer/],
    ['printing nil', '{{ .Values.nope }}', /no value/],
    ['range', '{{ range .Values.list }}x{{ end }}', /unsupported action/],
    ['else if', '{{ if .Values.on }}{{ else if .Values.zero }}{{ end }}', /unsupported action/],
    ['variables', '{{ $x := 1 }}', /unsupported action/],
    ['an unknown function', '{{ .Values.a.b | upper }}', /unsupported function: upper/],
    ['printf beyond %s', '{{ printf "%d" 1 }}', /only %s/],
    ['an include of nothing', '{{ include "none" . }}', /no template "none"/],
    ['an unclosed if', '{{ if .Values.on }}x', /missing \{\{ end \}\}/],
  ])('refuses %s', (_, text, why) => {
    expect(() => run(text, dot)).toThrow(why);
  });
});
