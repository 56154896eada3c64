// Material's search worker (its file name comes in ?material=), with one change: a Chinese query is
// first split into the words of the index, longest word first. The index has Chinese split into
// words by jieba at build time, but Material's own splitter of a Chinese query never tries a word
// that ends the query, and cuts a word down to its first character when that character is a word
// too: "沙箱镜像" searched for "沙箱" only, "加入集群失败" for "加*" and "集群".
// Material still runs its splitter on each word; a Han character that is in no word (a CJK radical)
// after the word makes it find exactly that word, and it drops the radical.
const SETUP = 0;  // Material's message types
const QUERY = 2;
const HAN = /\p{sc=Han}+/gu;
const END = "\u2e80";
const words = new Set();
let longest = 1;

function learnWords(index) {
  const separator = new RegExp(index.config.separator, "g");
  for (const doc of index.docs)
    for (const run of `${doc.title} ${doc.text}`.split(separator).join(" ").matchAll(HAN)) {
      words.add(run[0]);
      longest = Math.max(longest, run[0].length);
    }
}

function splitWords(run) {
  const out = [];
  for (let i = 0; i < run.length;) {
    let n = Math.min(longest, run.length - i);
    while (n > 1 && !words.has(run.slice(i, i + n))) n--;
    out.push(run.slice(i, i + n) + END);
    i += n;
  }
  return out.join(" ");
}

// registered before Material's listener, so it sees the message first
self.addEventListener("message", ({ data }) => {
  if (data.type === SETUP) learnWords(data.data);
  else if (data.type === QUERY && typeof data.data === "string") data.data = data.data.replace(HAN, splitWords);
});
importScripts(new URL(self.location.href).searchParams.get("material"));
