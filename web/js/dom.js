// Building DOM nodes in a line: h('li', {className: 'task', dataset: {state}}, 'text', child).
// Text always goes in as text nodes: names and notes come from people, not from code.

/**
 * A new element. `props`: className, text, dataset, attrs (attributes), on (event listeners),
 * hidden, and any other property set as is (type, href, value, disabled...). Children may be
 * nodes, strings, numbers, or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null) continue;
    switch (key) {
      case 'className':
        node.className = value;
        break;
      case 'text':
        node.textContent = String(value);
        break;
      case 'dataset':
        for (const [name, v] of Object.entries(value)) if (v !== undefined && v !== null) node.dataset[name] = String(v);
        break;
      case 'attrs':
        for (const [name, v] of Object.entries(value)) if (v !== undefined && v !== null && v !== false) node.setAttribute(name, v === true ? '' : String(v));
        break;
      case 'on':
        for (const [event, listener] of Object.entries(value)) node.addEventListener(event, listener);
        break;
      default:
        node[key] = value;
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** The element with this id (the views' fixed parts live in index.html). */
export const byId = (id) => document.getElementById(id);

/** Replaces the options of a <select>: [[value, label], ...]. Keeps the choice if it is still there. */
export function setOptions(select, options) {
  const chosen = select.value;
  select.replaceChildren(...options.map(([value, text]) => h('option', { value, text })));
  if (options.some(([value]) => value === chosen)) select.value = chosen;
}

/** Calls `fn` once input has paused for `ms` milliseconds. */
export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn(...args);
    }, ms);
  };
  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  return debounced;
}
