import { ValidationException } from "../errors.js";
import type { AttributeValue } from "../items/attribute-value.js";
import * as messages from "../messages.js";
import { RESERVED_WORDS } from "./reserved-words.js";

/**
 * The expression language's syntax: tokens, document paths, operands and conditions, shared
 * by condition, filter, key-condition, update and projection expressions. Placeholders are
 * resolved while parsing, and each one used is recorded so that the request can be refused for
 * names or values it gave and never used, as DynamoDB does.
 */

/** One step of a document path: an attribute (or map member) name, or a list index. */
export type PathStep = string | number;
export type Path = readonly PathStep[];

export type Operand =
  { readonly kind: "path"; readonly path: Path } | { readonly kind: "value"; readonly value: AttributeValue } | { readonly kind: "size"; readonly path: Path };

export type Comparator = "=" | "<>" | "<" | "<=" | ">" | ">=";

export type Condition =
  | { readonly kind: "compare"; readonly op: Comparator; readonly left: Operand; readonly right: Operand }
  | { readonly kind: "between"; readonly operand: Operand; readonly low: Operand; readonly high: Operand }
  | { readonly kind: "in"; readonly operand: Operand; readonly candidates: readonly Operand[] }
  | { readonly kind: "function"; readonly name: ConditionFunction; readonly path: Path; readonly argument?: Operand }
  | { readonly kind: "and" | "or"; readonly left: Condition; readonly right: Condition }
  | { readonly kind: "not"; readonly condition: Condition };

export type ConditionFunction = "attribute_exists" | "attribute_not_exists" | "attribute_type" | "begins_with" | "contains";

/** The placeholders a request gave, and which of them its expressions used. */
export class Placeholders {
  readonly usedNames = new Set<string>();
  readonly usedValues = new Set<string>();

  constructor(
    readonly names: Readonly<Record<string, string>> = {},
    readonly values: Readonly<Record<string, AttributeValue>> = {},
  ) {}

  name(token: string, expression: string): string {
    const name = this.names[token];
    if (name === undefined) {
      throw new ValidationException(`Invalid ${expression}: An expression attribute name used in the document path is not defined; attribute name: ${token}`);
    }
    this.usedNames.add(token);
    return name;
  }

  value(token: string, expression: string): AttributeValue {
    const value = this.values[token];
    if (value === undefined)
      throw new ValidationException(`Invalid ${expression}: An expression attribute value used in expression is not defined; attribute value: ${token}`);
    this.usedValues.add(token);
    return value;
  }

  /** DynamoDB refuses names and values given but used by no expression of the request. */
  checkAllUsed(): void {
    const unusedNames = Object.keys(this.names).filter((n) => !this.usedNames.has(n));
    if (unusedNames.length > 0)
      throw new ValidationException(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(", ")}}`);
    const unusedValues = Object.keys(this.values).filter((v) => !this.usedValues.has(v));
    if (unusedValues.length > 0)
      throw new ValidationException(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(", ")}}`);
  }
}

type Token = { readonly kind: "name" | "placeholder" | "value" | "number" | "symbol"; readonly text: string };

const TOKEN = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|(\d+)|(<>|<=|>=|[=<>()[\],.+-]))/y;

function tokenize(text: string, expression: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) {
      const rest = text.slice(at).trimStart();
      throw new ValidationException(`Invalid ${expression}: Syntax error; token: "${rest[0]}", near: "${rest.slice(0, 3)}"`);
    }
    const [, placeholder, value, name, number, symbol] = match;
    if (placeholder) tokens.push({ kind: "placeholder", text: placeholder });
    else if (value) tokens.push({ kind: "value", text: value });
    else if (name) tokens.push({ kind: "name", text: name });
    else if (number) tokens.push({ kind: "number", text: number });
    else tokens.push({ kind: "symbol", text: symbol! });
    at = TOKEN.lastIndex;
  }
  return tokens;
}

const FUNCTIONS: readonly string[] = ["attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains"];
const COMPARATORS: readonly string[] = ["=", "<>", "<", "<=", ">", ">="];

/** A cursor over one expression's tokens, with the grammar's pieces. */
export class ExpressionParser {
  private readonly tokens: Token[];
  private at = 0;

  constructor(
    private readonly text: string,
    /** `ConditionExpression`, `UpdateExpression`...: named in messages. */
    readonly expression: string,
    private readonly placeholders: Placeholders,
  ) {
    if (text.trim() === "") throw new ValidationException(`Invalid ${expression}: The expression can not be empty;`);
    this.tokens = tokenize(text, expression);
  }

  get done(): boolean {
    return this.at >= this.tokens.length;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.at + offset];
  }

  /** Whether the next token is this keyword (any case) or symbol; consumes it if so. */
  accept(word: string): boolean {
    const token = this.peek();
    if (!token) return false;
    const matches = token.kind === "symbol" ? token.text === word : token.kind === "name" && token.text.toUpperCase() === word.toUpperCase();
    if (matches) this.at++;
    return matches;
  }

  expect(word: string): void {
    if (!this.accept(word)) this.syntaxError();
  }

  syntaxError(): never {
    const token = this.peek();
    if (!token)
      throw new ValidationException(`Invalid ${this.expression}: Syntax error; token: "<EOF>", near: "${this.text.trim().split(/\s+/).slice(-1)[0]}"`);
    const near = this.tokens
      .slice(Math.max(0, this.at - 1), this.at + 2)
      .map((t) => t.text)
      .join(" ");
    throw new ValidationException(`Invalid ${this.expression}: Syntax error; token: "${token.text}", near: "${near}"`);
  }

  end(): void {
    if (!this.done) this.syntaxError();
  }

  path(): Path {
    const steps: PathStep[] = [this.pathName()];
    for (;;) {
      if (this.accept(".")) steps.push(this.pathName());
      else if (this.accept("[")) {
        const index = this.peek();
        if (index?.kind !== "number") this.syntaxError();
        this.at++;
        steps.push(Number(index.text));
        this.expect("]");
      } else return steps;
    }
  }

  private pathName(): string {
    const token = this.peek();
    if (token?.kind === "placeholder") {
      this.at++;
      return this.placeholders.name(token.text, this.expression);
    }
    if (token?.kind === "name") {
      if (RESERVED_WORDS.has(token.text.toUpperCase())) throw new ValidationException(messages.reservedKeyword(this.expression, token.text));
      this.at++;
      return token.text;
    }
    return this.syntaxError();
  }

  value(): AttributeValue {
    const token = this.peek();
    if (token?.kind !== "value") this.syntaxError();
    this.at++;
    return this.placeholders.value(token.text, this.expression);
  }

  operand(): Operand {
    const token = this.peek();
    if (token?.kind === "value") return { kind: "value", value: this.value() };
    if (token?.kind === "name" && token.text.toLowerCase() === "size" && this.peek(1)?.text === "(") {
      this.at += 2;
      const path = this.path();
      this.expect(")");
      return { kind: "size", path };
    }
    return { kind: "path", path: this.path() };
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.accept("OR")) left = { kind: "or", left, right: this.conjunction() };
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.accept("AND")) left = { kind: "and", left, right: this.negation() };
    return left;
  }

  private negation(): Condition {
    if (this.accept("NOT")) return { kind: "not", condition: this.negation() };
    return this.primary();
  }

  private primary(): Condition {
    if (this.accept("(")) {
      const inner = this.condition();
      this.expect(")");
      return inner;
    }
    const token = this.peek();
    if (token?.kind === "name" && FUNCTIONS.includes(token.text.toLowerCase()) && this.peek(1)?.text === "(") {
      this.at += 2;
      const name = token.text.toLowerCase() as ConditionFunction;
      const path = this.path();
      const argument = name === "attribute_exists" || name === "attribute_not_exists" ? undefined : (this.expect(","), this.operand());
      this.expect(")");
      return { kind: "function", name, path, ...(argument && { argument }) };
    }
    const left = this.operand();
    if (this.accept("BETWEEN")) {
      const low = this.operand();
      this.expect("AND");
      return { kind: "between", operand: left, low, high: this.operand() };
    }
    if (this.accept("IN")) {
      this.expect("(");
      const candidates = [this.operand()];
      while (this.accept(",")) candidates.push(this.operand());
      this.expect(")");
      return { kind: "in", operand: left, candidates };
    }
    const op = this.peek();
    if (op?.kind !== "symbol" || !COMPARATORS.includes(op.text)) this.syntaxError();
    this.at++;
    return { kind: "compare", op: op.text as Comparator, left, right: this.operand() };
  }
}

/** A path as DynamoDB prints it in messages: `[a, b, [0]]`. */
export const pathText = (path: Path): string => `[${path.map((s) => (typeof s === "number" ? `[${s}]` : s)).join(", ")}]`;
