/**
 * A tiny HTML kit for the pages we render on the server (status page, postmortem): escape
 * everything that came from the cluster or a person, and wrap a body in one self-contained
 * page (inline CSS, no scripts, no external assets, so it works offline and can be saved or
 * mailed as one file).
 */

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => entities[c]);
}

const css = `
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
main{max-width:860px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:8px 0 16px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:16px;margin:16px 0 4px}
.card{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:12px 16px;margin:8px 0}
.row{display:flex;justify-content:space-between;padding:8px 0;border-bottom:1px solid #eef0f3}.row:last-child{border:0}
.operational{color:#1a7f37}.degraded_performance{color:#9a6700}.partial_outage{color:#bc4c00}.major_outage{color:#cf222e}.under_maintenance{color:#0969da}
.banner{padding:14px 16px;border-radius:8px;color:#fff;font-weight:600}
.none{background:#1a7f37}.minor{background:#9a6700}.major{background:#bc4c00}.critical{background:#cf222e}.maintenance{background:#0969da}
.card.maintenance{background:#fff;border-left:4px solid #0969da}
.muted{color:#667085;font-size:13px}code,pre{font:13px ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f0f2f5;padding:8px;border-radius:6px;overflow-x:auto}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f3;vertical-align:top}
`;

export function htmlPage(title: string, body: string, o: { refreshSeconds?: number } = {}): string {
  const refresh = o.refreshSeconds ? `<meta http-equiv="refresh" content="${o.refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${refresh}<title>${escapeHtml(title)}</title><style>${css}</style></head>
<body><main>
${body}
</main></body></html>
`;
}
