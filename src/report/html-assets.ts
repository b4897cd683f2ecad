import { createHash } from 'node:crypto';

/** The page's style sheet (inline: the page makes no requests). Classes only, no style attributes, so the CSP can stay strict. */
export const HTML_STYLE = `
:root{--bg:#fff;--fg:#1f2328;--mute:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--add:#e6ffec;--addn:#ccffd8;--del:#ffebe9;--deln:#ffd7d5;
--flag:#fff1c2;--flagb:#d4a72c;--crit:#8b0000;--high:#cf222e;--med:#bc4c00;--low:#0969da;--info:#59636e;--block:#cf222e;--review:#bf8700;--pass:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
[hidden]{display:none!important}
.cf-page{max-width:1280px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:18px 0 8px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.mute{color:var(--mute)}
.badge{display:inline-block;padding:1px 8px;border-radius:12px;font-weight:600;font-size:12px;color:#fff;vertical-align:middle}
.v-block{background:var(--block)}.v-review{background:var(--review)}.v-pass{background:var(--pass)}.v-none{background:var(--info)}
.sev{display:inline-block;min-width:62px;text-align:center;padding:0 6px;border-radius:4px;font-size:11.5px;font-weight:600;color:#fff;text-transform:uppercase}
.s-critical{background:var(--crit)}.s-high{background:var(--high)}.s-medium{background:var(--med)}.s-low{background:var(--low)}.s-info{background:var(--info)}
.cf-head{border-bottom:1px solid var(--line);padding-bottom:12px;margin-bottom:12px}
.cf-reason{margin:6px 0}
.stats{display:flex;flex-wrap:wrap;gap:6px 18px;color:var(--mute);font-size:13px}
.caps{line-height:1.9}
.caps code{background:#fbefff;color:#6639ba;padding:0 5px;border-radius:4px;white-space:nowrap}
.notes{margin:8px 0;padding:8px 12px 8px 30px;background:var(--soft);border:1px solid var(--line);border-radius:6px}
.notes li{margin:2px 0}
.cf-filter{position:sticky;top:0;z-index:5;background:rgba(255,255,255,.97);border:1px solid var(--line);border-radius:8px;padding:8px 12px;margin:12px 0;display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center}
.cf-filter fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center}
.cf-filter legend{float:left;font-weight:600;margin-right:6px;padding:0}
.cf-filter label{cursor:pointer;white-space:nowrap;font-size:13px}
.cf-count{margin-left:auto;color:var(--mute);font-size:13px}
table{border-collapse:collapse}
.cf-list{width:100%;font-size:13px}
.cf-list th{text-align:left;color:var(--mute);font-weight:600;border-bottom:1px solid var(--line);padding:4px 8px}
.cf-list td{border-bottom:1px solid #eef1f4;padding:4px 8px;vertical-align:top}
.cf-list td:nth-child(2){white-space:nowrap}
.cf-list td.mono{word-break:break-all;max-width:340px}
.cf-list a{color:inherit}
.crate{margin-top:26px;border-top:3px solid var(--line);padding-top:8px}
.file{border:1px solid var(--line);border-radius:6px;margin:12px 0;overflow:hidden}
.file>summary{background:var(--soft);padding:6px 12px;cursor:pointer;border-bottom:1px solid var(--line);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.file>summary .st{font-family:-apple-system,"Segoe UI",sans-serif;font-size:12px;color:var(--mute);margin-left:8px}
.file>summary .nadd{color:var(--pass);margin-left:8px}.file>summary .ndel{color:var(--high);margin-left:4px}
.file>summary .nf{margin-left:8px;background:var(--flag);border:1px solid var(--flagb);border-radius:10px;padding:0 6px;font-size:11.5px}
.diff{width:100%;table-layout:fixed;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;line-height:1.45}
.diff col.n{width:52px}
.diff td{padding:0 8px;vertical-align:top}
.diff td.n{color:#8c959f;text-align:right;user-select:none;border-right:1px solid #eef1f4}
.diff td.c{white-space:pre-wrap;word-break:break-all;tab-size:4}
.diff tr.hh td{background:#ddf4ff;color:var(--mute);padding:2px 8px}
.diff tr.add td.c{background:var(--add)}.diff tr.add td.n{background:var(--addn)}
.diff tr.del td.c{background:var(--del)}.diff tr.del td.n{background:var(--deln)}
.diff tr.flag.on td.c{background:var(--flag);box-shadow:inset 3px 0 0 var(--flagb)}
.diff tr.flag.on td.n{background:#ffe58a}
.diff tr.note td{padding:6px 10px 10px 112px;background:#fafbfc;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:13.5px}
.bidi{background:#cf222e;color:#fff;border-radius:3px;padding:0 2px;font-size:11px}
.card{border:1px solid var(--line);border-left:4px solid var(--info);border-radius:6px;padding:8px 12px;margin:6px 0;background:#fff;max-width:900px}
.card.s-critical,.card.s-high,.card.s-medium,.card.s-low,.card.s-info{background:#fff}
.card.b-critical{border-left-color:var(--crit)}.card.b-high{border-left-color:var(--high)}.card.b-medium{border-left-color:var(--med)}.card.b-low{border-left-color:var(--low)}
.card .t{font-weight:600}.card .meta{color:var(--mute);font-size:12.5px}
.card .msg{margin:4px 0}
.card .why{color:var(--mute);font-size:12.5px;font-style:italic}
.card.sup{opacity:.75;border-style:dashed}
.card pre{margin:6px 0;background:var(--soft);padding:6px 8px;border-radius:4px;white-space:pre-wrap;word-break:break-all}
.trace{display:block;margin:6px 0 2px;max-width:100%;height:auto}
.trace rect{fill:#f6f8fa;stroke:#8c959f}
.trace .last rect{fill:#ffebe9;stroke:var(--high)}
.trace .first rect{fill:#ddf4ff;stroke:var(--low)}
.trace text{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#1f2328}
.trace path{fill:none;stroke:#59636e;stroke-width:1.5}
.trace polygon{fill:#59636e}
.trace a:hover rect{stroke-width:2}
.empty{color:var(--mute);font-style:italic}
`;

/** Filters findings by category and severity: hides their cards and list rows, and unhighlights their lines. */
export const HTML_SCRIPT = `
(function(){
  var boxes=[].slice.call(document.querySelectorAll('input[data-filter]'));
  var items=[].slice.call(document.querySelectorAll('[data-fid]'));
  var rows=[].slice.call(document.querySelectorAll('tr.flag'));
  var count=document.getElementById('cf-count');
  function apply(){
    var on={category:{},severity:{}};
    boxes.forEach(function(b){if(b.checked)on[b.getAttribute('data-filter')][b.value]=true;});
    var visible={},shown=0,total=0;
    items.forEach(function(el){
      var show=!!(on.category[el.getAttribute('data-category')]&&on.severity[el.getAttribute('data-severity')]);
      el.hidden=!show;
      if(el.classList.contains('card')){total++;if(show){shown++;visible[el.getAttribute('data-fid')]=true;}}
    });
    rows.forEach(function(r){
      var ids=(r.getAttribute('data-fids')||'').split(' ');
      r.classList.toggle('on',ids.some(function(i){return visible[i];}));
    });
    document.querySelectorAll('tr.note').forEach(function(tr){
      tr.hidden=![].slice.call(tr.querySelectorAll('.card')).some(function(c){return !c.hidden;});
    });
    if(count)count.textContent='showing '+shown+' of '+total+' findings';
  }
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  apply();
})();
`;

/** `sha256-…` source of an inline block, for the page's Content-Security-Policy. */
export function cspHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}

/**
 * Nothing may load from anywhere (`default-src 'none'`); only this page's own style sheet and script
 * run, named by hash, so markup that ever slipped past the escaping could neither run nor fetch.
 */
export function contentSecurityPolicy(): string {
  return `default-src 'none'; style-src ${cspHash(HTML_STYLE)}; script-src ${cspHash(HTML_SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'`;
}
