/** How Go's crypto/x509 prints times in its errors: RFC 3339, UTC, whole seconds. */
export function x509Time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
