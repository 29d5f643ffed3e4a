/* The corrections box: an ES module the loader (widget.js) fetches only for an article with
 * published corrections. Its default export takes what the loader shares and returns a
 * function that shows a list of corrections (GET /api/v1/corrections) on the page: a box at the
 * end of the article, or inside the page's [data-corrections-box] element, and each corrected
 * passage found again in today's text and marked, the mark linking to its note.
 *
 * Finding a passage again, as annotation tools do (the order Hypothesis uses): its exact quote
 * with its prefix and suffix; else its position, if the text there is still the quote; else an
 * approximate match of prefix + quote + suffix, then of the quote within it, each within a
 * quarter of its length in edits. A passage not found so is listed without a mark: a missing
 * mark is better than one in the wrong place.
 *
 * This is the readable source; `make widget` builds widget-box.<language>.min.js from it for each
 * language, with STYLE defined as the minified widget-box.css (for the box and the marks) and
 * STRINGS as that language's words from widget-strings.json.
 */
/* global STYLE, STRINGS */

const doc = document;
// Approximate search costs text length × pattern length steps; beyond this the passage is
// listed without a mark rather than keep the page busy.
const MAX_STEPS = 1e7;

// The best approximate match of `pattern` in `text` (Sellers' edit distance with free start and
// end in the text): [edits, start, end].
function approximate(text, pattern) {
  const row = [];
  const from = [];
  let best = [Infinity];
  for (let i = 0; i <= pattern.length; i++) {
    row[i] = i;
    from[i] = 0;
  }
  for (let j = 0; j < text.length; j++) {
    let diagonal = 0; // the row above, one column back: an empty pattern matches anywhere
    let diagonalFrom = j;
    let above = 0;
    let aboveFrom = j + 1;
    for (let i = 1; i <= pattern.length; i++) {
      let cost = diagonal + (pattern[i - 1] != text[j]);
      let start = diagonalFrom;
      if (row[i] + 1 < cost) {
        cost = row[i] + 1;
        start = from[i];
      }
      if (above + 1 < cost) {
        cost = above + 1;
        start = aboveFrom;
      }
      diagonal = row[i];
      diagonalFrom = from[i];
      row[i] = above = cost;
      from[i] = aboveFrom = start;
    }
    if (above < best[0]) best = [above, aboveFrom, j + 1];
  }
  return best;
}

export default (shared) => (corrections) => {
  const t = shared.words(STRINGS);
  const scope = shared.only() || doc.body;
  const { text, map, nodes } = shared.text(scope);
  // A position counts from the start of the element that gave the passage its context: with
  // data-article its element; else an article or main, or the body. Where each is in `text`:
  const starts = (scope != doc.body ? [scope] : [...doc.querySelectorAll('article,main'), scope])
    .map((root) => text.indexOf(shared.text(root).text));

  // Where a correction's passage is in `text` today: [start, end], or undefined.
  function find({ quote: { exact, prefix, suffix }, position }) {
    for (let at = text.indexOf(exact); exact && at >= 0; at = text.indexOf(exact, at + 1)) {
      if (text.slice(Math.max(0, at - prefix.length), at) == prefix && text.startsWith(suffix, at + exact.length)) {
        return [at, at + exact.length];
      }
    }
    for (const start of starts) {
      if (position && start >= 0 && text.slice(start + position.start, start + position.end) == exact) {
        return [start + position.start, start + position.end];
      }
    }
    const whole = prefix + exact + suffix;
    if (!exact || text.length * whole.length > MAX_STEPS) return;
    const [edits, from, to] = approximate(text, whole);
    if (edits > whole.length / 4) return;
    // The passage within what was found, allowing for the edits around it.
    const left = Math.max(0, from + prefix.length - edits);
    const [passageEdits, start, end] = approximate(text.slice(left, to - suffix.length + edits), exact);
    if (passageEdits <= exact.length / 4) return [left + start, left + end];
  }

  // One style sheet for the box and the marks, each in its own shadow root.
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLE);
  const shadow = (element, html) => {
    const root = element.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = html;
    return root;
  };
  const links = [];
  // Marks the passage [start, end) of `text` with <corrections-mark> elements around the pieces
  // of its text nodes, the first one a link to the note. Passages are marked last first, and
  // each one's pieces last first, so that splitting a text node leaves the offsets still to be
  // used valid, and a piece already marked (passages overlap) is not marked again.
  function mark([start, end, index]) {
    const from = map[start];
    const to = map[end - 1] + 1;
    const pieces = nodes.map(([node, at]) => [node, Math.max(0, from - at), Math.min(node.length, to - at)])
      .filter(([node, a, b]) => a < b && node.data.slice(a, b).trim());
    pieces.reverse().forEach(([node, a, b], i) => {
      if (b < node.length) node.splitText(b);
      const piece = a ? node.splitText(a) : node;
      const element = doc.createElement('corrections-mark');
      piece.before(element);
      element.append(piece);
      links[index] = shadow(element, i < pieces.length - 1 ? '<slot></slot>'
        : `<a href=#c${corrections[index].id} aria-describedby=d><slot></slot></a><span id=d hidden>${t.marked}</span>`).firstChild;
    });
  }

  const found = corrections.map(find);
  const first = found.find(Boolean);
  const articles = doc.querySelectorAll('article');
  // The box: in the page's own place for it, else at the end of the article.
  const place = doc.querySelector('[data-corrections-box]')
    || (first && shared.rootOf(nodes.findLast(([, at]) => at <= map[first[0]])[0]))
    || (scope != doc.body && scope)
    || (articles.length == 1 ? articles[0] : doc.querySelector('main') || doc.body);
  found.map((span, index) => span && [...span, index]).filter(Boolean).sort((a, b) => b[0] - a[0]).forEach(mark);

  const escape = (value) => String(value).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const date = (value) => `<time datetime="${escape(value)}">${new Date(value).toLocaleDateString(t.code, { dateStyle: 'long' })}</time>`;
  const host = doc.createElement('corrections-box');
  const root = shadow(host, `<section aria-labelledby=h lang=${t.code} dir=${t.dir}><h2 id=h>${t.heading}</h2><ol>${corrections.map((c, index) => `<li id=c${c.id} tabindex=-1>`
    + `<p><b>${t[`type_${c.type}`]}</b>, ${date(c.published_at)}${c.updated_at ? `, ${t.updated} ${date(c.updated_at)}` : ''}</p>`
    + `<p>${escape(c.note)}</p><p><q>${escape(c.quote.exact)}</q>`
    + `${found[index] ? '' : ` ${t.gone}`}</p>${/^https?:/.test(c.link) ? `<p><a href="${escape(c.link)}">${t.record}</a></p>` : ''}</li>`).join('')}</ol></section>`);
  // A mark's link leads to its note, with the keyboard as with the mouse.
  links.forEach((link, index) => {
    link.onclick = (e) => {
      e.preventDefault();
      root.getElementById(`c${corrections[index].id}`).focus();
    };
  });
  place.append(host);
};
