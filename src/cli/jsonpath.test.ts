import { describe, expect, it } from 'vitest';
import { jsonpath } from './jsonpath.ts';

const data = {
  kind: 'IncidentList',
  items: [
    {
      id: 'INC-0001',
      status: 'resolved',
      top: { pattern: 'node-network', confidence: 0.9 },
      tags: ['a', 'b'],
    },
    { id: 'INC-0002', status: 'identified', top: { pattern: 'service-routing', confidence: 0.8 } },
  ],
};

describe('jsonpath templates as kubectl reads them', () => {
  it.each([
    ['{.kind}', 'IncidentList'],
    ['{.items[*].id}', 'INC-0001 INC-0002'],
    ['{.items[0].top.pattern}', 'node-network'],
    ['{.items[-1].id}', 'INC-0002'],
    ["{.items[0]['status']}", 'resolved'],
    ['{.items[?(@.status=="identified")].id}', 'INC-0002'],
    ['{.items[?(@.status!="identified")].id}', 'INC-0001'],
    ['{.items[?(@.tags)].id}', 'INC-0001'],
    ['{..pattern}', 'node-network service-routing'],
    ['{.items[0].tags}', '["a","b"]'],
    ['{range .items[*]}{.id}{"\\t"}{.status}{"\\n"}{end}', 'INC-0001\tresolved\nINC-0002\tidentified\n'],
    ['id={.items[1].id}', 'id=INC-0002'],
    ['{.missing}', ''],
  ])('%s', (template, out) => {
    expect(jsonpath(template, data)).toBe(out);
  });

  it.each([
    ['{.items[', 'a { is not closed'],
    ['{range .items[*]}{.id}', '{range} without {end}'],
    ['{end}', '{end} without {range}'],
    ['{.items[x]}', 'is not an index'],
  ])('%s is a usage error', (template, message) => {
    expect(() => jsonpath(template, data)).toThrow(message);
  });
});
