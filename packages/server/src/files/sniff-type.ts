/**
 * The type of an upload from its first bytes, never from its name or the browser's claim: only these
 * types are accepted, and they are served with the sniffed type and `nosniff`, so an upload can never
 * become HTML or script on this origin.
 */
export const ALLOWED_FILE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'] as const;
export type AllowedFileType = (typeof ALLOWED_FILE_TYPES)[number];

const starts = (bytes: Buffer, signature: readonly number[], offset = 0) => signature.every((byte, i) => bytes[offset + i] === byte);

export function sniffType(bytes: Buffer): AllowedFileType | undefined {
  if (starts(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts(bytes, [0x47, 0x49, 0x46, 0x38])) return 'image/gif';
  if (starts(bytes, [0x52, 0x49, 0x46, 0x46]) && starts(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  if (starts(bytes, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf';
  // Plain text: valid UTF-8 without control bytes, and nothing a browser could take for markup.
  const text = bytes.toString('utf8');
  const control = bytes.some((byte) => byte < 0x09 || (byte > 0x0d && byte < 0x20));
  if (!text.includes('\uFFFD') && !control && !/^\s*</.test(text)) return 'text/plain';
  return undefined;
}
