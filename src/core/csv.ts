/**
 * A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF or LF), for inventories and the
 * IAM credential report. Never throws; caps rows and field sizes.
 */

/** Parsed rows (arrays of fields) and problems met on the way. */
export interface CsvResult {
  readonly rows: string[][];
  readonly problems: string[];
}

/** Parse CSV text. `maxRows`/`maxField` bound what a hostile file can make us hold. */
export function parseCsv(text: string, maxRows = 100_000, maxField = 1_048_576): CsvResult {
  const rows: string[][] = [];
  const problems: string[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endField = (): void => {
    if (field.length > maxField) {
      problems.push(`row ${rows.length + 1}: a field is over ${maxField} characters; cut`);
      field = field.slice(0, maxField);
    }
    row.push(field);
    field = '';
  };
  const endRow = (): void => {
    endField();
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  for (; i < text.length && rows.length < maxRows; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') endRow();
    else if (c !== '\r' || text[i + 1] !== '\n') field += c;
  }
  if (quoted) problems.push(`row ${rows.length + 1}: a quoted field is not closed`);
  if (rows.length >= maxRows && i < text.length)
    problems.push(`more than ${maxRows} rows; the rest was ignored`);
  else if (field !== '' || row.length) endRow();
  return { rows, problems };
}
