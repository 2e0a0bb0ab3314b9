/**
 * The shell of every report page: one self-contained file whose Content-Security-Policy lets it load
 * nothing and run nothing (inline styles and data images only), so a report can be opened from
 * anywhere, mailed or stored in S3 without becoming a way to run script.
 */
export function htmlPage(title: string, style: string, body: readonly string[], escape: (text: string) => string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(title)}</title>`,
    `<style>${style}</style>`,
    '</head><body><main>',
    ...body,
    '</main></body></html>',
    '',
  ].join('\n');
}
