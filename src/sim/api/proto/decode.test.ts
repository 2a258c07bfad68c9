/**
 * The protobuf bodies here are what kubectl v1.32 really sent (captured from
 * `kubectl create configmap|deployment|pdb` against the simulator), so the field table is
 * held to the wire format kubectl speaks, not to an encoder of our own.
 */
import { describe, expect, it } from 'vitest';
import { decodeKubeProtobuf, ProtobufDecodeError } from './decode.ts';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

const captured = {
  // kubectl create configmap cfg --from-literal=a=b --from-literal=empty=
  configmap:
    '6b3873000a0f0a0276311209436f6e6669674d617012280a130a0363666712001a0022002a0032003800420012060a016112016212090a05656d70747912001a002200',
  // kubectl create deployment web --image=nginx:1.27 --port=8080 --replicas=0
  deployment:
    '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412be010a1f0a0377656212001a0022002a003200380042005a0a0a036170701203776562128c010800120c0a0a0a0361707012037765621a720a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125212340a056e67696e78120a6e67696e783a312e32372a00320b0a00100018903f22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
  // kubectl create pdb p --selector=app=web --max-unavailable=25%
  pdb: '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e427564676574123a0a110a017012001a0022002a003200380042001219120c0a0a0a0361707012037765621a09080110001a033235251a0a080018002000280030001a002200',
};

describe('decodeKubeProtobuf', () => {
  it('a ConfigMap: type from the envelope, data with an empty value kept, empty metadata dropped', () => {
    expect(decodeKubeProtobuf(hex(captured.configmap))).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg' },
      data: { a: 'b', empty: '' },
    });
  });

  it('a Deployment: nested template, container port, and replicas 0 kept', () => {
    const d = decodeKubeProtobuf(hex(captured.deployment)) as {
      spec: { replicas: number; selector: unknown; template: { spec: { containers: unknown[] } } };
    };
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(d.spec.template.spec.containers).toEqual([
      { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], resources: {} },
    ]);
  });

  it('a PodDisruptionBudget: an int-or-string percentage', () => {
    const p = decodeKubeProtobuf(hex(captured.pdb)) as { spec: unknown };
    expect(p.spec).toEqual({ selector: { matchLabels: { app: 'web' } }, maxUnavailable: '25%' });
  });

  it.each([
    [
      'JSON sent as protobuf',
      Buffer.from('{"kind":"ConfigMap"}'),
      /does not appear to be a protobuf message/,
    ],
    ['a truncated envelope', hex(captured.configmap.slice(0, 60)), /^proto: /],
    ['a kind outside the table', hex('6b3873000a0c0a02763112064e6f6465787812020a00'), /no kind "Node(xx)?"/],
  ])('%s is a decode error', (_, body, message) => {
    expect(() => decodeKubeProtobuf(body)).toThrow(ProtobufDecodeError);
    expect(() => decodeKubeProtobuf(body)).toThrow(message);
  });
});
