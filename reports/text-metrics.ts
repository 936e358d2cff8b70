/**
 * Text widths for chart layout. Vega measures text with a canvas when it has one and
 * otherwise guesses 0.8 em per character, which for DejaVu Sans (about 0.6 em) leaves
 * big gaps around long axis titles and truncates legend titles early. These are the
 * glyph advance widths of DejaVu Sans and DejaVu Sans Bold (units of 1/2048 em), the
 * font the PNGs are drawn with, so layout matches the drawing and is the same on every
 * machine whatever fonts it has. Kerning is ignored (it moves a line by < 1%).
 */

/** The characters measured, in the order of the width tables. */
const CHARS = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~×±·–—…’‘“”µ≤≥→←°§¹²³½¼¾éèàüöäçñÉÜÖÄ€£¥©®™•√∞≈≠∑ΔΣαβγδεμπσ ";
const REGULAR = [651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716, 1716, 1716, 651, 1024, 2048, 2048, 651, 651, 1061, 1061, 1303, 1716, 1716, 1716, 1716, 1024, 1024, 821, 821, 821, 1985, 1985, 1985, 1260, 1260, 1255, 1298, 1253, 1255, 1126, 1298, 1294, 1499, 1612, 1401, 1303, 1303, 1303, 2048, 2048, 2048, 1208, 1305, 1706, 1716, 1716, 1380, 1401, 1294, 1350, 1307, 1212, 1253, 1107, 1303, 1233, 1298, 651];
const BOLD = [713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458, 748, 1458, 1716, 1716, 1716, 778, 1024, 2048, 2048, 778, 778, 1346, 1346, 1507, 1716, 1716, 1716, 1716, 1024, 1024, 897, 897, 897, 2120, 2120, 2120, 1389, 1389, 1382, 1458, 1407, 1382, 1214, 1458, 1399, 1663, 1741, 1585, 1425, 1425, 1425, 2048, 2048, 2048, 1309, 1366, 1706, 1716, 1716, 1470, 1585, 1399, 1407, 1466, 1395, 1407, 1140, 1507, 1620, 1595, 713];
const UNITS_PER_EM = 2048;
/** For characters not in the tables: about the width of a lowercase letter or digit. */
const FALLBACK = { regular: 1303, bold: 1425 };

const INDEX = new Map<number, number>([...CHARS].map((ch, i) => [ch.codePointAt(0)!, i]));

function isBold(weight: string | number | undefined): boolean {
  if (weight === undefined) return false;
  if (typeof weight === 'number') return weight >= 600;
  return weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
}

/** Width in px of `text` set in DejaVu Sans at `fontSize` px. */
export function textWidth(text: string, fontSize: number, fontWeight?: string | number): number {
  const bold = isBold(fontWeight);
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const i = INDEX.get(ch.codePointAt(0)!);
    units += i === undefined ? (bold ? FALLBACK.bold : FALLBACK.regular) : table[i];
  }
  return (units * fontSize) / UNITS_PER_EM;
}
