/**
 * A User-Agent string as an agent reads it: browser and version, system, device type. A tight parser for
 * the browsers and systems that make up nearly all visitors (a library such as ua-parser-js knows
 * thousands more, at 20 KB); anything it does not know is `null`, and the raw string stays available.
 * Order matters: Edge, Opera and Samsung Internet also say "Chrome", Chrome also says "Safari".
 */
export interface UserAgentInfo {
  readonly browser: string | null;
  readonly os: string | null;
  readonly device: 'Desktop' | 'Mobile' | 'Tablet' | null;
}

const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/\b(?:OPR|Opera)\/(\d+)/, 'Opera'],
  [/\bSamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\/(\d+)/, 'Firefox'],
  [/\b(?:Chrome|CriOS)\/(\d+)/, 'Chrome'],
  [/\bVersion\/(\d+(?:\.\d+)?).*\bSafari\//, 'Safari'],
];

function browserOf(ua: string): string | null {
  for (const [pattern, name] of BROWSERS) {
    const match = pattern.exec(ua);
    if (match !== null) return `${name} ${match[1] ?? ''}`.trim();
  }
  return null;
}

const dotted = (version: string | undefined): string => (version ?? '').replaceAll('_', '.');

function osOf(ua: string): string | null {
  const ios = /\b(?:iPhone|CPU) OS (\d+(?:_\d+)?)/.exec(ua);
  if (ios !== null) return `iOS ${dotted(ios[1])}`;
  if (/\biPad\b/.test(ua)) return 'iPadOS';
  const android = /\bAndroid (\d+(?:\.\d+)?)/.exec(ua);
  if (android !== null) return `Android ${android[1] ?? ''}`;
  if (/\bWindows NT 10\.0/.test(ua)) return 'Windows 10 or 11';
  const windows = /\bWindows NT (\d+\.\d+)/.exec(ua);
  if (windows !== null) return `Windows (NT ${windows[1] ?? ''})`;
  if (/\bCrOS\b/.test(ua)) return 'ChromeOS';
  const mac = /\bMac OS X (\d+(?:[._]\d+)?)/.exec(ua);
  if (mac !== null) return `macOS ${dotted(mac[1])}`;
  if (/\bMacintosh\b/.test(ua)) return 'macOS';
  if (/\bLinux\b/.test(ua)) return 'Linux';
  return null;
}

function deviceOf(ua: string, os: string | null): UserAgentInfo['device'] {
  if (/\biPad\b|\bTablet\b/.test(ua) || (os?.startsWith('Android') === true && !/\bMobile\b/.test(ua))) return 'Tablet';
  if (/\biPhone\b|\bMobile\b/.test(ua)) return 'Mobile';
  return os === null ? null : 'Desktop';
}

export function parseUserAgent(ua: string): UserAgentInfo {
  const os = osOf(ua);
  return { browser: browserOf(ua), os, device: deviceOf(ua, os) };
}
