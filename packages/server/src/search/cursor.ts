import { searchSyntaxError, type SearchInput } from './syntax-error.js'
import { tokenize, type Token } from './tokenizer.js'

/** Walks the tokens of one input and builds errors that quote it. */
export class TokenCursor {
  private readonly tokens: Token[]
  private index = 0

  constructor(
    readonly source: string,
    readonly input: SearchInput,
  ) {
    this.tokens = tokenize(source, input)
  }

  peek(): Token {
    return this.tokens[this.index]
  }

  next(): Token {
    const token = this.tokens[this.index]
    if (token.kind !== 'end') this.index++
    return token
  }

  fail(detail: string): never {
    throw searchSyntaxError(this.input, this.source, detail)
  }

  /** "unexpected token '>>' at position 12", plus what would have been valid there. */
  unexpected(token: Token, expected: string): never {
    if (token.kind === 'end') this.fail(`unexpected end of ${this.input} at position ${token.pos}; expected ${expected}`)
    this.fail(`unexpected token ${show(token)} at position ${token.pos}; expected ${expected}`)
  }
}

/** A token for messages: strings keep their own quotes, anything else is put in single quotes. */
export function show(token: Token): string {
  return token.kind === 'string' ? token.text : `'${token.text}'`
}

export function isKeyword(token: Token, word: string): boolean {
  return token.kind === 'word' && token.value.toUpperCase() === word
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'IS', 'NULL', 'ASC', 'DESC'])

/** Whether a token can name an identifier: `metrics.acc`, `start_time`, `` `Run name` `` or `"name"`. */
export function isIdentifierToken(token: Token): boolean {
  if (token.kind === 'dotted' || token.kind === 'backtick') return true
  if (token.kind === 'string') return token.quote === '"'
  return token.kind === 'word' && !KEYWORDS.has(token.value.toUpperCase())
}
