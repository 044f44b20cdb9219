/**
 * UN/EDIFACT code lists (UNCL) as EN 16931 restricts them, written from the public UNTDID directory
 * and the EN 16931-1 code-list restrictions.
 */
const set = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

/** UNCL 1001 document name codes allowed for BT-3 (invoices and credit notes). */
export const UNCL1001_INVOICE = set(`
  71 80 81 82 83 84 102 130 202 203 204 211 218 219 261 262 295 296 308 325 326 331 380 381 382 383 384 385 386 387
  388 389 390 393 394 395 396 420 456 457 458 527 532 553 575 623 633 751 780 817 870 875 876 877 935`);

/** UNCL 4461 payment means codes (BT-81). */
export const UNCL4461 = set(`
  1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42
  43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 74 75 76 77 78 91 92 93 94 95 96 97 98 ZZZ`);

/** UNCL 5189 allowance reason codes (BT-98, BT-140), EN 16931 subset. */
export const UNCL5189 = set('41 42 60 62 63 64 65 66 67 68 70 71 88 95 100 102 103 104 105');

/** UNCL 5305 duty/tax/fee category codes restricted to EN 16931 (BT-95, BT-102, BT-118, BT-151). */
export const UNCL5305 = set('AE E S Z G O K L M B');

/** UNCL 2005 date/time/period function codes allowed for BT-8. */
export const UNCL2005 = set('3 35 432');
/** The CII binding of BT-8 (UNCL 2475): 5 = invoice date, 29 = delivery date, 72 = paid to date. */
export const UNCL2475 = set('5 29 72');

/** VATEX exemption reason codes (BT-121), CEF list. */
export const VATEX = set(`
  VATEX-EU-79-C VATEX-EU-132 VATEX-EU-132-1A VATEX-EU-132-1B VATEX-EU-132-1C VATEX-EU-132-1D VATEX-EU-132-1E
  VATEX-EU-132-1F VATEX-EU-132-1G VATEX-EU-132-1H VATEX-EU-132-1I VATEX-EU-132-1J VATEX-EU-132-1K VATEX-EU-132-1L
  VATEX-EU-132-1M VATEX-EU-132-1N VATEX-EU-132-1O VATEX-EU-132-1P VATEX-EU-132-1Q VATEX-EU-143 VATEX-EU-143-1A
  VATEX-EU-143-1B VATEX-EU-143-1C VATEX-EU-143-1D VATEX-EU-143-1E VATEX-EU-143-1F VATEX-EU-143-1FA VATEX-EU-143-1G
  VATEX-EU-143-1H VATEX-EU-143-1I VATEX-EU-143-1J VATEX-EU-143-1K VATEX-EU-143-1L VATEX-EU-148 VATEX-EU-148-A
  VATEX-EU-148-B VATEX-EU-148-C VATEX-EU-148-D VATEX-EU-148-E VATEX-EU-148-F VATEX-EU-148-G VATEX-EU-151
  VATEX-EU-151-1A VATEX-EU-151-1AA VATEX-EU-151-1B VATEX-EU-151-1C VATEX-EU-151-1D VATEX-EU-151-1E VATEX-EU-309
  VATEX-EU-AE VATEX-EU-D VATEX-EU-F VATEX-EU-G VATEX-EU-I VATEX-EU-IC VATEX-EU-O VATEX-EU-J VATEX-FR-FRANCHISE VATEX-FR-CNWVAT`);

/** MIME codes allowed for attached documents (BT-125). */
export const MIME = set(`
  application/pdf image/png image/jpeg text/csv application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
  application/vnd.oasis.opendocument.spreadsheet`);

/**
 * CEF EAS electronic address schemes (BT-34, BT-49): ISO 6523 ICD values registered with the CEF list
 * plus the EAS-only codes (9901…, AN, AQ, AS, AU, EM).
 */
export const EAS = set(`
  0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0183 0184 0188 0190 0191 0192
  0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 0208 0209 0210 0211 0212 0213 0215 0216 0217 0218 0219
  0220 0221 0225 0230 0235 0240 0242 0244 0246
  9901 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936
  9937 9938 9939 9940 9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 AN AQ AS AU EM`);

/** ISO/IEC 6523 ICD: registered codes are four digits from 0002 upward (BR-CL-10, BR-CL-11, BR-CL-21, BR-CL-26). */
export function isIcd(code: string): boolean {
  if (!/^\d{4}$/.test(code)) return false;
  const n = Number(code);
  return n >= 2 && n <= 250;
}

/** UNCL 7161 special service codes (BT-105, BT-145): two or three capital letters (list not enumerated here). */
export function isUncl7161(code: string): boolean {
  return /^[A-Z]{2,3}$/.test(code);
}

/** UN/ECE Rec 20 / Rec 21 unit codes (BT-130, BT-150): the code shape (list not enumerated here). */
export function isUnitCode(code: string): boolean {
  return /^[A-Z0-9]{2,3}$/.test(code) || /^X[A-Z0-9]{2}$/.test(code);
}
