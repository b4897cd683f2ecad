/**
 * The report's style sheet. Every rule is scoped to `.cf-page` (the wrapper `renderReportBody`
 * emits), and resets what a host page's element rules could change, so the report can sit inside
 * another page (the reviewers' page) without either changing the other's look. Classes only, no
 * style attributes, so the CSP can stay strict. Colours meet WCAG AA contrast (4.5:1) on every
 * background they are used on, the diff's green, red and yellow rows included.
 */
export const HTML_STYLE = `
.cf-doc{margin:0;background:#fff}
.cf-page{--fg:#1f2328;--mute:#57606a;--line:#d1d9e0;--soft:#f6f8fa;--add:#e6ffec;--addn:#ccffd8;--del:#ffebe9;--deln:#ffd7d5;
--flag:#fff1c2;--flagb:#d4a72c;--crit:#8b0000;--high:#cf222e;--med:#bc4c00;--low:#0969da;--info:#57606a;--block:#cf222e;--review:#9a6700;--pass:#1a7f37;--cf-top:0px;
max-width:1280px;margin:0 auto;padding:20px 24px 60px;font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:#fff;text-align:left}
.cf-page *{box-sizing:border-box}
.cf-page [hidden]{display:none!important}
.cf-page h1{font-size:22px;margin:0 0 4px}.cf-page h2{font-size:18px;margin:28px 0 10px}.cf-page h3{font-size:15px;margin:18px 0 8px}
.cf-page code,.cf-page .mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.cf-page a{color:#0550ae}
.cf-page .mute{color:var(--mute)}
.cf-page .badge{display:inline-block;padding:1px 8px;border-radius:12px;font-weight:600;font-size:12px;color:#fff;vertical-align:middle;line-height:1.5}
.cf-page .v-block{background:var(--block)}.cf-page .v-review{background:var(--review)}.cf-page .v-pass{background:var(--pass)}.cf-page .v-none{background:var(--info)}
.cf-page .sev{display:inline-block;min-width:62px;text-align:center;padding:0 6px;border-radius:4px;font-size:11.5px;font-weight:600;color:#fff;text-transform:uppercase;line-height:1.6}
.cf-page .s-critical{background:var(--crit)}.cf-page .s-high{background:var(--high)}.cf-page .s-medium{background:var(--med)}.cf-page .s-low{background:var(--low)}.cf-page .s-info{background:var(--info)}
.cf-page .cf-head{border-bottom:1px solid var(--line);padding-bottom:12px;margin-bottom:12px}
.cf-page .cf-lead{font-size:15px;margin:8px 0;padding:8px 12px;border-left:4px solid var(--high);background:#fff8f7;border-radius:4px}
.cf-page .cf-lead a{font-weight:600}
.cf-page .cf-lead.l-critical{border-left-color:var(--crit)}.cf-page .cf-lead.l-medium{border-left-color:var(--med);background:#fff8f2}
.cf-page .cf-lead.l-low{border-left-color:var(--low);background:#f3f8ff}
.cf-page .cf-reason{margin:6px 0}
.cf-page .stats{display:flex;flex-wrap:wrap;gap:6px 18px;color:var(--mute);font-size:13px}
.cf-page .caps{line-height:1.9}
.cf-page .caps code{background:#fbefff;color:#6639ba;padding:0 5px;border-radius:4px;white-space:nowrap}
.cf-page .notes{margin:8px 0;padding:8px 12px 8px 30px;background:var(--soft);border:1px solid var(--line);border-radius:6px}
.cf-page .notes li{margin:2px 0}
.cf-page .cf-left>summary{cursor:pointer}
.cf-page .cf-left ul{columns:3 18em;margin:4px 0;padding-left:18px}
.cf-page .cf-filter{position:sticky;top:0;z-index:6;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:12px 0;display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center}
.cf-page .cf-filter fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center;min-width:0}
.cf-page .cf-filter legend{float:left;font-weight:600;margin-right:6px;padding:0}
.cf-page .cf-filter label{cursor:pointer;white-space:nowrap;font-size:13px}
.cf-page .cf-count{margin-left:auto;color:var(--mute);font-size:13px}
.cf-page table{border-collapse:collapse;background:transparent;width:auto}
.cf-page th,.cf-page td{border:0;padding:0;text-align:left;vertical-align:top}
.cf-page .cf-list{width:100%;font-size:13px}
.cf-page .cf-list th{color:var(--mute);font-weight:600;border-bottom:1px solid var(--line);padding:4px 8px}
.cf-page .cf-list td{border-bottom:1px solid #eef1f4;padding:4px 8px}
.cf-page .cf-list td:nth-child(2){white-space:nowrap}
.cf-page .cf-list td.mono{overflow-wrap:anywhere;max-width:340px;min-width:10em}
.cf-page .cf-list td.num{text-align:right;white-space:nowrap}
.cf-page .cf-list a{color:inherit}
.cf-page .cf-files td:first-child{max-width:none;box-shadow:inset 4px 0 0 transparent;padding-left:12px}
.cf-page .cf-files tr.r-critical td:first-child{box-shadow:inset 4px 0 0 var(--crit)}.cf-page .cf-files tr.r-high td:first-child{box-shadow:inset 4px 0 0 var(--high)}
.cf-page .cf-files tr.r-medium td:first-child{box-shadow:inset 4px 0 0 var(--med)}.cf-page .cf-files tr.r-low td:first-child{box-shadow:inset 4px 0 0 var(--low)}
.cf-page .cf-files tr.r-info td:first-child{box-shadow:inset 4px 0 0 #afb8c1}
.cf-page .cf-index,.cf-page .cf-more{margin:8px 0}
.cf-page .cf-index>summary,.cf-page .cf-more>summary{cursor:pointer;font-weight:600;padding:4px 0}
.cf-page .cf-more{margin-left:4px}
.cf-page .crate{margin-top:26px;border-top:3px solid var(--line);padding-top:8px}
.cf-page details.crate.quiet{margin-top:8px;border-top:1px solid var(--line);padding-top:4px}
.cf-page details.crate.quiet>summary{cursor:pointer}
.cf-page details.crate.quiet>summary h3{display:inline;font-size:15px;margin:0}
.cf-page .file{border:1px solid var(--line);border-radius:6px;margin:12px 0;overflow:clip}
.cf-page .file>summary{position:sticky;top:var(--cf-top);z-index:4;background:var(--soft);padding:6px 12px;cursor:pointer;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;align-items:center;gap:2px 8px}
.cf-page .file>summary::marker{content:""}
.cf-page .file>summary::before{content:"▸";color:var(--mute);width:10px}
.cf-page .file[open]>summary::before{content:"▾"}
.cf-page .file .fp{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;font-weight:600;word-break:break-all}
.cf-page .file .st{font-size:12px;color:var(--mute)}
.cf-page .nadd{color:var(--pass)}.cf-page .ndel{color:var(--high)}
.cf-page .file .nf{font-size:12px;display:inline-flex;gap:6px;align-items:center}
.cf-page .file .part{font-size:12px;color:var(--mute);margin-left:auto}
.cf-page .diff{width:100%;table-layout:fixed;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;line-height:1.45}
.cf-page .diff col.n{width:52px}
.cf-page .diff td{padding:0 8px}
.cf-page .diff td:nth-child(-n+2){color:var(--mute);text-align:right;user-select:none;border-right:1px solid #eef1f4}
.cf-page .diff td:nth-child(3){white-space:pre-wrap;word-break:break-all;tab-size:4;padding-left:22px;text-indent:-14px}
.cf-page .diff tr.a td:nth-child(3)::before{content:"+";display:inline-block;width:14px;text-indent:0}
.cf-page .diff tr.d td:nth-child(3)::before{content:"−";display:inline-block;width:14px;text-indent:0}
.cf-page .diff tr.x td:nth-child(3)::before{content:"";display:inline-block;width:14px}
.cf-page .diff tr.hh td,.cf-page .diff tr.gap td{background:#ddf4ff;color:var(--mute);padding:2px 8px;text-align:left;border:0;user-select:auto}
.cf-page .diff tr.gap td{background:var(--soft);font-style:italic;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:12.5px}
.cf-page .diff tr.a td:nth-child(3){background:var(--add)}.cf-page .diff tr.a td:nth-child(-n+2){background:var(--addn)}
.cf-page .diff tr.d td:nth-child(3){background:var(--del)}.cf-page .diff tr.d td:nth-child(-n+2){background:var(--deln)}
.cf-page .diff tr.flag.on td:nth-child(3){background:var(--flag);box-shadow:inset 3px 0 0 var(--flagb)}
.cf-page .diff tr.flag.on td:nth-child(-n+2){background:#ffe58a}
.cf-page .diff tr.note td{padding:6px 10px 10px 112px;background:#fafbfc;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:13.5px;white-space:normal;text-indent:0;text-align:left;color:var(--fg);user-select:auto;border:0}
.cf-page .t-comment{color:#57606a;font-style:italic}.cf-page .t-string,.cf-page .t-char{color:#0a3069}
.cf-page .t-keyword{color:#a40e26}.cf-page .t-function{color:#6639ba}.cf-page .t-macro,.cf-page .t-attribute{color:#953800}
.cf-page .t-number,.cf-page .t-boolean,.cf-page .t-constant,.cf-page .t-lifetime-annotation{color:#0550ae}
.cf-page .t-class-name{color:#7d4e00}.cf-page .t-namespace{color:#116329}
.cf-page .bidi{background:#cf222e;color:#fff;border-radius:3px;padding:0 2px;font-size:11px}
.cf-page .card{border:1px solid var(--line);border-left:4px solid var(--info);border-radius:6px;padding:8px 12px;margin:6px 0;background:#fff;max-width:900px;color:var(--fg)}
.cf-page .card.b-critical{border-left-color:var(--crit)}.cf-page .card.b-high{border-left-color:var(--high)}.cf-page .card.b-medium{border-left-color:var(--med)}.cf-page .card.b-low{border-left-color:var(--low)}
.cf-page .card .fr{padding:4px 0}
.cf-page .card .fr+.fr{border-top:1px dashed var(--line);margin-top:4px;padding-top:6px}
.cf-page .card .t{font-weight:600}.cf-page .card .meta{color:var(--mute);font-size:12.5px}
.cf-page .card .msg{margin:4px 0}
.cf-page .card .why{color:var(--mute);font-size:12.5px;font-style:italic}
.cf-page .card.sup,.cf-page .card .fr.sup{border-style:dashed}
.cf-page .card pre{margin:6px 0;background:var(--soft);padding:6px 8px;border-radius:4px;white-space:pre-wrap;word-break:break-all}
.cf-page .trace{display:block;margin:6px 0 2px;max-width:100%;height:auto}
.cf-page .trace rect{fill:#f6f8fa;stroke:#8c959f}
.cf-page .trace .last rect{fill:#ffebe9;stroke:var(--high)}
.cf-page .trace .first rect{fill:#ddf4ff;stroke:var(--low)}
.cf-page .trace text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#1f2328}
.cf-page .trace path{fill:none;stroke:#59636e;stroke-width:1.5}
.cf-page .trace polygon{fill:#59636e}
.cf-page .trace a:hover rect{stroke-width:2}
.cf-page .empty{color:var(--mute);font-style:italic;margin:6px 12px}
`;
