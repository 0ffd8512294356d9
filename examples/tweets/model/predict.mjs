// The tweet classifier at prediction time: plain JavaScript with no dependencies, so a saved
// model directory (this file + weights.json) runs on any Node.js without a build step or tsx.
// The trainer (classifier.ts) imports tokenize() from here: training and serving cannot drift.
import fs from 'node:fs'
import path from 'node:path'

/** The weights.json format this file reads. */
export const WEIGHTS_FORMAT = 'railyard-tweets-naive-bayes/1'

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }
// Words, placeholders, runs of ! or ?, ASCII emoticons and emoji.
const TOKEN = /<url>|<user>|[a-z0-9]+(?:'[a-z]+)?|[!?]+|[:;=8][-'^]?[()\[\]dpo/\\|*]|\p{Extended_Pictographic}/gu

/**
 * The tweet as the model sees it: literal `\uXXXX` escapes (TweetEval keeps some as text) and
 * HTML entities decoded, lower case, links and mentions replaced by placeholders.
 */
export function normalize(text) {
  return String(text)
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e])
    .toLowerCase()
    .replace(/https?:\/\/\S+|www\.\S+/g, ' <url> ')
    .replace(/@\w+/g, ' <user> ')
    .replace(/[\u2018\u2019`]/g, "'")
}

/**
 * Tokens of a tweet: words (hashtags without '#', "soooo" → "soo", numbers → <num>), emoticons,
 * emoji and `!`/`?`, plus word pairs when `bigrams` is set ("not good" carries what "good" alone misses).
 */
export function tokenize(text, { bigrams = true } = {}) {
  const words = (normalize(text).match(TOKEN) ?? []).map((t) =>
    /^\d+$/.test(t) ? '<num>' : t[0] === '!' || t[0] === '?' ? t[0] : t.replace(/(.)\1{2,}/g, '$1$1'),
  )
  if (!bigrams) return words
  const pairs = []
  for (let i = 1; i < words.length; i++) pairs.push(`${words[i - 1]} ${words[i]}`)
  return words.concat(pairs)
}

/** The text of one input: a string, or a record with a `text` field. */
export function textOf(input) {
  if (typeof input === 'string') return input
  if (input && typeof input === 'object' && typeof input.text === 'string') return input.text
  throw new TypeError('Each input must be a tweet: a string or a record { text: string }')
}

/**
 * Class probabilities of one text under multinomial naive Bayes: log prior plus the log
 * likelihood of every known token (unknown tokens carry no evidence), then softmax.
 */
export function classify(weights, text) {
  const seen = new Set()
  const scores = weights.logPriors.slice()
  for (const token of tokenize(text, weights.options)) {
    if (weights.options.binary) {
      if (seen.has(token)) continue
      seen.add(token)
    }
    const ll = weights.tokens[token]
    if (ll) for (let c = 0; c < scores.length; c++) scores[c] += ll[c]
  }
  const max = Math.max(...scores)
  const exp = scores.map((s) => Math.exp(s - max))
  const sum = exp.reduce((a, b) => a + b, 0)
  const probabilities = {}
  let best = 0
  weights.labels.forEach((label, c) => {
    probabilities[label] = exp[c] / sum
    if (exp[c] > exp[best]) best = c
  })
  return { label: weights.labels[best], probabilities }
}

/** Checks a parsed weights.json and returns it. */
export function checkWeights(weights, where = 'weights.json') {
  if (!weights || weights.format !== WEIGHTS_FORMAT) {
    throw new Error(`${where} is not a ${WEIGHTS_FORMAT} file (format: ${weights && weights.format})`)
  }
  const n = weights.labels.length
  if (weights.logPriors.length !== n) throw new Error(`${where}: ${n} labels but ${weights.logPriors.length} priors`)
  return weights
}

/**
 * The railyard_js entry point: reads weights.json from the model directory. predict() takes a
 * batch of tweets (strings or { text } records) and returns { label, probabilities } for each.
 */
export function load(dir) {
  const file = path.join(dir, 'weights.json')
  const weights = checkWeights(JSON.parse(fs.readFileSync(file, 'utf8')), file)
  return {
    predict: (inputs) => inputs.map((input) => classify(weights, textOf(input))),
  }
}
