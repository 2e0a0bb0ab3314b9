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

/** The look every report shares: page, headings, banner, key-value header, tables, charts and notes. */
export const BASE_STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 12px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.banner { padding: 14px 18px; border-radius: 8px; font-size: 16px; font-weight: 600; margin-bottom: 16px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; background: #fff; padding: 14px 18px; border: 1px solid #d0d7de; border-radius: 8px; }
dl.meta dt { color: #57606a; }
dl.meta dd { margin: 0; word-break: break-all; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid #d0d7de; }
th, td { padding: 6px 10px; border-bottom: 1px solid #eaeef2; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; word-break: break-all; }
th { background: #f6f8fa; font-weight: 600; }
svg.chart { max-width: 100%; height: auto; display: block; }
.note { color: #57606a; font-size: 12px; }
`;

/** A p-value as people read it: tiny ones with an exponent, never a bare 0. */
export function formatP(p: number): string {
  if (p === 0) return '< 1e-300';
  if (p < 1e-4) return p.toExponential(1);
  return String(Number(p.toPrecision(3)));
}
