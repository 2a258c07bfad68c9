import { describe, expect, it } from 'vitest';
import { encodeSubject, mailMessage } from './mail-message.ts';

const base = {
  from: 'status@example.com',
  to: 'ops@example.com',
  subject: 'Maintenance',
  text: 'hello',
  nowMs: Date.UTC(2026, 2, 6, 22, 0, 0),
  messageId: '1.1.sub-1@kubetriage',
};
const headers = (m: string) => m.split('\r\n\r\n')[0].split('\r\n');

describe('the e-mail a subscriber gets', () => {
  it('keeps a name with a line break in its one header (no header added)', () => {
    const m = mailMessage({ ...base, subject: 'Upgrade\r\nBcc: everyone@example.com' });
    expect(headers(m).filter((h) => h.startsWith('Bcc'))).toEqual([]);
    expect(headers(m)).toContain('Subject: Upgrade Bcc: everyone@example.com');
  });

  it('encodes a subject that is not ASCII as RFC 2047 encoded-words of at most 75 characters', () => {
    const subject = 'Wartung der Knoten – Größe ändern 🚧 '.repeat(3);
    const encoded = encodeSubject(subject);
    const words = encoded.split('\r\n ');
    expect(words.length).toBeGreaterThan(1);
    for (const w of words) {
      expect(w).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
      expect(w.length).toBeLessThanOrEqual(75);
    }
    const decoded = words.map((w) => Buffer.from(w.slice(10, -2), 'base64').toString('utf8')).join('');
    expect(decoded).toBe(subject.trim());
  });

  it('ends lines with CRLF, keeps them under 998 octets, and never sends a lone dot line', () => {
    const m = mailMessage({ ...base, text: `first\n.\n${'ü'.repeat(2_000)}` });
    const lines = m.split('\r\n');
    expect(m.replace(/\r\n/g, '')).not.toContain('\n');
    expect(lines).not.toContain('.');
    expect(lines).toContain(' .');
    for (const l of lines) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(998);
    expect(headers(m)).toContain('Date: Fri, 06 Mar 2026 22:00:00 +0000');
  });
});
