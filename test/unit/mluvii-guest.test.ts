import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guestBrowser, guestOs } from '../../src/dialects/mluvii/enums.js';

test('guest OS: names, enum names and user agents map onto GuestOSType', () => {
  const cases: [unknown, string][] = [
    [undefined, 'UNKNOWN'],
    ['', 'UNKNOWN'],
    ['Windows', 'WINDOWS'],
    ['windows', 'WINDOWS'],
    ['macOS', 'OSX'],
    ['Mac OS X', 'OSX'],
    ['osx', 'OSX'],
    ['OSX', 'OSX'],
    ['WINDOWS', 'WINDOWS'],
    ['Linux', 'LINUX'],
    ['Ubuntu', 'LINUX'],
    ['Android', 'ANDROID'],
    ['iOS', 'IOS'],
    ['iPadOS', 'IOS'],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36',
      'ANDROID',
    ],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15', 'IOS'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36', 'LINUX'],
    ['PlayStation', 'OTHER'],
    [42, 'UNKNOWN'],
  ];
  for (const [text, expected] of cases) assert.equal(guestOs(text), expected, String(text));
});

test('guest browser: names, enum names and user agents map onto GuestBrowserType', () => {
  const cases: [unknown, string][] = [
    [null, 'UNKNOWN'],
    ['Chrome', 'CHROME'],
    ['Firefox', 'FF'],
    ['FF', 'FF'],
    ['Safari', 'SAFARI'],
    ['Edge', 'CHROMIUM_EDGE'],
    ['CHROMIUM_EDGE', 'CHROMIUM_EDGE'],
    ['EDGE', 'EDGE'],
    ['IE_10', 'IE_10'],
    ['Opera', 'OPERA'],
    ['IE 6', 'IE_LOW'],
    ['Internet Explorer 9', 'IE_9'],
    ['Mozilla/5.0 (Windows NT 6.1; Trident/7.0; rv:11.0) like Gecko', 'IE_11'],
    ['Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)', 'IE_8'],
    [
      'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/124.0 Safari/537.36 Edg/124.0.2478.51',
      'CHROMIUM_EDGE',
    ],
    ['Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/70.0 Safari/537.36 Edge/18.17763', 'EDGE'],
    ['Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/124.0 Safari/537.36 OPR/109.0', 'OPERA'],
    ['Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.4 Safari/605.1.15', 'SAFARI'],
    ['Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 CriOS/124.0 Mobile/15E148 Safari/604.1', 'CHROME'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'FF'],
    ['Lynx', 'OTHER'],
  ];
  for (const [text, expected] of cases) assert.equal(guestBrowser(text), expected, String(text));
});
