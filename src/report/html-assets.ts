import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { HTML_STYLE } from './html-style.js';

export { HTML_STYLE } from './html-style.js';

/**
 * Prism (the `prismjs` package: its core and its Rust grammar, nothing else), read from the installed
 * package and put inline: the page makes no request. `manual` stops it from colouring the page on its
 * own; the page script asks it for tokens only. Refused if it ever held text that would end or open a
 * script element early.
 */
function prismSource(): string {
  const require = createRequire(import.meta.url);
  const src = ['prismjs/components/prism-core.min.js', 'prismjs/components/prism-rust.min.js'].map((p) => readFileSync(require.resolve(p), 'utf8')).join('\n');
  if (/<\/?script|<!--|<style/i.test(src)) throw new Error('the bundled Prism source holds markup that would break the page\'s script element');
  return `window.Prism={manual:true,disableWorkerMessageHandler:true};\n${src}\n`;
}

/**
 * The page's own behaviour, after Prism: the category and severity filter (hides finding rows, cards
 * whose rows are all hidden, and their line highlights), the sticky file headers' offset under the
 * filter, opening the collapsed file or crate a link points into, and colouring Rust diff lines once
 * they come into view (built as DOM nodes from Prism's tokens, never as markup; a line that shows an
 * invisible-character marker keeps it and stays plain). Lines are coloured one by one: a block
 * comment or string that spans lines is coloured on its first line only.
 */
const PAGE_SCRIPT = `
(function(){
  var root=document.querySelector('.cf-page');
  if(!root)return;
  var all=function(sel,el){return [].slice.call((el||root).querySelectorAll(sel));};
  var boxes=all('input[data-filter]');
  var items=all('[data-fid]');
  var flagged=all('tr.flag');
  var cards=all('.card');
  var notes=all('tr.note');
  var count=document.getElementById('cf-count');
  function apply(){
    var on={category:{},severity:{}};
    boxes.forEach(function(b){if(b.checked)on[b.getAttribute('data-filter')][b.value]=true;});
    var visible={},shown=0,total=0;
    items.forEach(function(el){
      var show=!!(on.category[el.getAttribute('data-category')]&&on.severity[el.getAttribute('data-severity')]);
      el.hidden=!show;
      if(el.classList.contains('fr')){total++;if(show){shown++;visible[el.getAttribute('data-fid')]=true;}}
    });
    cards.forEach(function(c){c.hidden=!c.querySelector('.fr:not([hidden])');});
    notes.forEach(function(tr){tr.hidden=!tr.querySelector('.card:not([hidden])');});
    flagged.forEach(function(r){
      var ids=(r.getAttribute('data-fids')||'').split(' ');
      r.classList.toggle('on',ids.some(function(i){return visible[i];}));
    });
    if(count)count.textContent='showing '+shown+' of '+total+' findings';
  }
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  apply();
  var bar=root.querySelector('.cf-filter');
  function offset(){root.style.setProperty('--cf-top',(bar?bar.offsetHeight:0)+'px');}
  offset();
  if(bar&&window.ResizeObserver)new ResizeObserver(offset).observe(bar);
  function reveal(id){
    var el=id&&document.getElementById(id);
    if(!el||!root.contains(el))return null;
    for(var d=el;d&&d!==root;d=d.parentElement)if(d.tagName==='DETAILS')d.open=true;
    return el;
  }
  root.addEventListener('click',function(e){
    var a=e.target.closest&&e.target.closest('a[href^="#"]');
    if(a)reveal(decodeURIComponent(a.getAttribute('href').slice(1)));
  });
  if(location.hash){var t=reveal(decodeURIComponent(location.hash.slice(1)));if(t)t.scrollIntoView();}
  var P=window.Prism,rust=P&&P.languages&&P.languages.rust;
  if(!rust||!window.IntersectionObserver)return;
  function build(tokens,parent){
    tokens.forEach(function(t){
      if(typeof t==='string'){parent.appendChild(document.createTextNode(t));return;}
      var s=document.createElement('span');
      s.className='t-'+t.type;
      build(Array.isArray(t.content)?t.content:[t.content],s);
      parent.appendChild(s);
    });
  }
  function colour(table){
    all('tr.a,tr.d,tr.x',table).forEach(function(tr){
      var td=tr.cells[2];
      if(!td||td.childElementCount>0||!td.firstChild)return;
      var frag=document.createDocumentFragment();
      build(P.tokenize(td.textContent,rust),frag);
      td.textContent='';
      td.appendChild(frag);
    });
  }
  var io=new IntersectionObserver(function(es){
    es.forEach(function(e){if(e.isIntersecting){io.unobserve(e.target);colour(e.target);}});
  },{rootMargin:'800px 0px'});
  all('table.diff.rs').forEach(function(t){io.observe(t);});
})();
`;

/** The page's one script: Prism, then the page's own behaviour (see PAGE_SCRIPT). */
export const HTML_SCRIPT = `${prismSource()}${PAGE_SCRIPT}`;

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
