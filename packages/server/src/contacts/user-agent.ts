/** What a contact page shows of the visitor's device: no version numbers, no location, nothing that fingerprints. */
export interface DeviceSummary {
  readonly browser: string | null;
  readonly os: string | null;
  /** desktop | mobile | tablet */
  readonly device: string | null;
}

// Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", Android says "Linux".
const BROWSERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\b(Headless)?Chrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];
const SYSTEMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

const REDUCED = /^([A-Za-z][A-Za-z ]{0,30}|-) · ([A-Za-z][A-Za-z ]{0,30}|-) · (desktop|mobile|tablet|-)$/;

/** Browser family, OS family and device class from a User-Agent; null for what it does not say. */
export function summarizeUserAgent(userAgent: string | undefined): DeviceSummary | null {
  if (userAgent === undefined || userAgent.trim() === '') return null;
  // Already reduced (privacy/user-agent-meta.ts stores `Chrome · macOS · desktop`, `-` for what is unknown).
  const reduced = REDUCED.exec(userAgent);
  if (reduced !== null) {
    const part = (value: string | undefined): string | null => (value === undefined || value === '-' ? null : value);
    return { browser: part(reduced[1]), os: part(reduced[2]), device: part(reduced[3]) };
  }
  const ua = userAgent.slice(0, 1000);
  const browser = BROWSERS.find(([pattern]) => pattern.test(ua))?.[1] ?? null;
  const os = SYSTEMS.find(([pattern]) => pattern.test(ua))?.[1] ?? null;
  const device =
    /\biPad\b|\bTablet\b/.test(ua) || (/\bAndroid\b/.test(ua) && !/\bMobile\b/.test(ua))
      ? 'tablet'
      : /\bMobi|\biPhone\b|\biPod\b/.test(ua)
        ? 'mobile'
        : os === null
          ? null
          : 'desktop';
  return { browser, os, device };
}
