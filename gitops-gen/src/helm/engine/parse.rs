//! Go's `text/template` syntax, as far as Helm charts use it: text, actions
//! with trim markers, comments, pipelines of commands, variables, `if`,
//! `with` and `range` with `else` (and `else if`/`else with`), `define`.
//! Anything else (`template`, `block`, `break`, chars, complex numbers) is
//! a parse error naming its line, never a silent misreading.

use std::fmt;

/// A parse failure: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A parsed template file: its top-level nodes and the templates it
/// `define`s.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub root: Vec<Node>,
    pub defines: Vec<(String, Vec<Node>)>,
}

#[derive(Debug, Clone)]
pub enum Node {
    Text(String),
    /// `{{ pipeline }}`: prints its value unless it declares variables.
    Action(Pipeline),
    If(Branch),
    With(Branch),
    Range(Branch),
}

/// `if`/`with`/`range`: the pipeline, its body and its `else`.
#[derive(Debug, Clone)]
pub struct Branch {
    pub pipe: Pipeline,
    pub body: Vec<Node>,
    pub otherwise: Vec<Node>,
}

#[derive(Debug, Clone)]
pub struct Pipeline {
    pub line: usize,
    /// The action's source, for error messages (`<...>`).
    pub source: String,
    /// `$x :=` (declare) or `$x =` (assign); `range $i, $e :=` declares two.
    pub vars: Vec<String>,
    pub declare: bool,
    pub commands: Vec<Command>,
}

/// One command of a pipeline: a function and its arguments, or one operand.
#[derive(Debug, Clone)]
pub struct Command {
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub enum Arg {
    /// `.` followed by fields (none: dot itself).
    Field(Vec<String>),
    /// `$name` (`$` alone: the template's data) followed by fields.
    Variable(String, Vec<String>),
    /// An identifier: a function name.
    Function(String),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    /// `( pipeline )` followed by fields.
    Pipe(Box<Pipeline>, Vec<String>),
}

/// Parses a template file's text.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let items = lex(text)?;
    let mut parser = Parser { items, at: 0, parsed: Parsed::default() };
    let (root, end) = parser.list()?;
    if let Some((line, word)) = end {
        return Err(ParseError { line, message: format!("unexpected {{{{{word}}}}}") });
    }
    parser.parsed.root = root;
    Ok(parser.parsed)
}

/// Text between actions, and actions as their tokens.
enum Item {
    Text(String),
    Action { line: usize, source: String, tokens: Vec<Token> },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Field(Vec<String>),
    Variable(String, Vec<String>),
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Open,
    /// `)` and the fields right after it.
    Close(Vec<String>),
    Pipe,
    Declare,
    Assign,
    Comma,
}

fn error<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError { line, message: message.into() })
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn lex(text: &str) -> Result<Vec<Item>, ParseError> {
    let bytes = text.as_bytes();
    let mut items = Vec::new();
    let mut pos = 0;
    let mut trim_next = false;
    // The line of `at`, counted on from the last place asked (always further on).
    let (mut counted_to, mut line) = (0, 1);
    let mut line_at = |at: usize| {
        line += bytes[counted_to..at].iter().filter(|b| **b == b'\n').count();
        counted_to = at;
        line
    };
    while pos < text.len() {
        let open = text[pos..].find("{{").map(|i| pos + i);
        let mut chunk = &text[pos..open.unwrap_or(text.len())];
        if trim_next {
            chunk = chunk.trim_start_matches([' ', '\t', '\r', '\n']);
        }
        let Some(open) = open else {
            if !chunk.is_empty() {
                items.push(Item::Text(chunk.to_owned()));
            }
            break;
        };
        let mut inner = open + 2;
        // `{{- ` trims the text before; the dash needs a space after it.
        if bytes.get(inner) == Some(&b'-') && bytes.get(inner + 1).copied().is_some_and(is_space) {
            chunk = chunk.trim_end_matches([' ', '\t', '\r', '\n']);
            inner += 2;
        }
        if !chunk.is_empty() {
            items.push(Item::Text(chunk.to_owned()));
        }
        let line = line_at(open);
        // A comment: `/*` right after the delimiter (and its trim marker).
        let after_space = inner + text[inner..].len() - text[inner..].trim_start().len();
        if text[after_space..].starts_with("/*") {
            let Some(end) = text[after_space..].find("*/") else {
                return error(line, "unclosed comment");
            };
            let mut rest = after_space + end + 2;
            rest += text[rest..].len() - text[rest..].trim_start().len();
            trim_next = false;
            if text[rest..].starts_with("-}}") {
                trim_next = true;
                rest += 3;
            } else if text[rest..].starts_with("}}") {
                rest += 2;
            } else {
                return error(line, "comment ends before the closing delimiter");
            }
            pos = rest;
            continue;
        }
        let (tokens, end, trim) = lex_action(text, inner, line)?;
        items.push(Item::Action { line, source: text[inner..end].trim().to_owned(), tokens });
        trim_next = trim;
        pos = end + if trim { 3 } else { 2 };
    }
    Ok(items)
}

/// The tokens of one action from `start`; returns them, where the closing
/// delimiter (or its trim marker) starts, and whether it trims.
fn lex_action(
    text: &str,
    start: usize,
    line: usize,
) -> Result<(Vec<Token>, usize, bool), ParseError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut pos = start;
    let fields = |pos: &mut usize| -> Vec<String> {
        let mut out = Vec::new();
        while bytes.get(*pos) == Some(&b'.')
            && bytes.get(*pos + 1).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            let begin = *pos + 1;
            *pos = begin;
            while bytes.get(*pos).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                *pos += 1;
            }
            out.push(text[begin..*pos].to_owned());
        }
        out
    };
    loop {
        let Some(&c) = bytes.get(pos) else {
            return error(line, "unclosed action");
        };
        if is_space(c) {
            // ` -}}`: a trim marker needs the space before it.
            if text[pos..].trim_start_matches([' ', '\t', '\r', '\n']).starts_with("-}}") {
                let dash = pos + text[pos..].find('-').expect("found above");
                return Ok((tokens, dash, true));
            }
            pos += 1;
            continue;
        }
        if text[pos..].starts_with("}}") {
            return Ok((tokens, pos, false));
        }
        match c {
            b'.' => {
                let chain = fields(&mut pos);
                if chain.is_empty() {
                    pos += 1;
                }
                tokens.push(Token::Field(chain));
            }
            b'$' => {
                let begin = pos;
                pos += 1;
                while bytes.get(pos).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                    pos += 1;
                }
                let name = text[begin..pos].to_owned();
                tokens.push(Token::Variable(name, fields(&mut pos)));
            }
            b'"' => {
                let (s, end) = go_string(text, pos, line)?;
                tokens.push(Token::Str(s));
                pos = end;
            }
            b'`' => {
                let Some(end) = text[pos + 1..].find('`') else {
                    return error(line, "unterminated raw string");
                };
                tokens.push(Token::Str(text[pos + 1..pos + 1 + end].to_owned()));
                pos += end + 2;
            }
            b'(' => {
                tokens.push(Token::Open);
                pos += 1;
            }
            b')' => {
                pos += 1;
                tokens.push(Token::Close(fields(&mut pos)));
            }
            b'|' => {
                tokens.push(Token::Pipe);
                pos += 1;
            }
            b',' => {
                tokens.push(Token::Comma);
                pos += 1;
            }
            b':' if bytes.get(pos + 1) == Some(&b'=') => {
                tokens.push(Token::Declare);
                pos += 2;
            }
            b'=' => {
                tokens.push(Token::Assign);
                pos += 1;
            }
            b'-' | b'+' | b'0'..=b'9' => {
                let begin = pos;
                pos += 1;
                while bytes
                    .get(pos)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_'))
                    || (matches!(bytes.get(pos), Some(b'-' | b'+'))
                        && matches!(bytes[pos - 1], b'e' | b'E'))
                {
                    pos += 1;
                }
                tokens.push(number(&text[begin..pos], line)?);
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let begin = pos;
                while bytes.get(pos).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                    pos += 1;
                }
                tokens.push(Token::Ident(text[begin..pos].to_owned()));
            }
            _ => {
                let ch = text[pos..].chars().next().expect("inside the text");
                return error(line, format!("unexpected {ch:?} in an action"));
            }
        }
    }
}

fn number(text: &str, line: usize) -> Result<Token, ParseError> {
    let clean = text.replace('_', "");
    let (negative, digits) = match clean.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, clean.trim_start_matches('+')),
    };
    let radix = |prefix: &[&str], radix: u32| {
        prefix
            .iter()
            .find_map(|p| digits.strip_prefix(p))
            .and_then(|d| i64::from_str_radix(d, radix).ok())
    };
    let int = radix(&["0x", "0X"], 16)
        .or_else(|| radix(&["0o", "0O"], 8))
        .or_else(|| radix(&["0b", "0B"], 2))
        .or_else(|| {
            // A leading 0 is octal in Go.
            if digits.len() > 1 && digits.starts_with('0') {
                i64::from_str_radix(&digits[1..], 8).ok()
            } else {
                digits.parse::<i64>().ok()
            }
        });
    match int {
        Some(i) => Ok(Token::Int(if negative { -i } else { i })),
        None => match clean.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Token::Float(f)),
            _ => error(line, format!("bad number syntax: {text:?}")),
        },
    }
}

/// A Go interpreted string literal at `start` (the opening quote); returns
/// its value and the position after the closing quote.
fn go_string(text: &str, start: usize, line: usize) -> Result<(String, usize), ParseError> {
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + i + 1)),
            '\n' => break,
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                let mut hex = |n: usize| -> Result<u32, ParseError> {
                    let digits: String =
                        (0..n).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
                    u32::from_str_radix(&digits, 16)
                        .or_else(|_| error(line, format!("bad escape \\{e}{digits} in a string")))
                };
                let c = match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    '\\' => '\\',
                    '"' => '"',
                    '\'' => '\'',
                    'x' => char::from(hex(2)? as u8),
                    'u' => char::from_u32(hex(4)?).unwrap_or('\u{fffd}'),
                    'U' => char::from_u32(hex(8)?).unwrap_or('\u{fffd}'),
                    other => return error(line, format!("unknown escape \\{other} in a string")),
                };
                out.push(c);
            }
            c => out.push(c),
        }
    }
    error(line, "unterminated string")
}

struct Parser {
    items: Vec<Item>,
    at: usize,
    parsed: Parsed,
}

/// What ended a list: `end`, `else` (with what follows it), or the input.
type Ended = Option<(usize, String)>;

impl Parser {
    /// Nodes up to an `{{end}}` or `{{else ...}}` (returned as its words),
    /// or to the end of the input.
    fn list(&mut self) -> Result<(Vec<Node>, Ended), ParseError> {
        let mut nodes = Vec::new();
        while self.at < self.items.len() {
            let item = std::mem::replace(&mut self.items[self.at], Item::Text(String::new()));
            self.at += 1;
            let (line, source, tokens) = match item {
                Item::Text(t) => {
                    nodes.push(Node::Text(t));
                    continue;
                }
                Item::Action { line, source, tokens } => (line, source, tokens),
            };
            let keyword = match tokens.first() {
                Some(Token::Ident(word)) => word.as_str(),
                _ => "",
            };
            match keyword {
                "end" if tokens.len() == 1 => return Ok((nodes, Some((line, "end".into())))),
                "else" => {
                    self.items[self.at - 1] =
                        Item::Action { line, source: source.clone(), tokens: tokens[1..].to_vec() };
                    return Ok((nodes, Some((line, "else".into()))));
                }
                "if" | "with" | "range" => {
                    let branch = self.branch(line, source, &tokens[1..], keyword)?;
                    nodes.push(match keyword {
                        "if" => Node::If(branch),
                        "with" => Node::With(branch),
                        _ => Node::Range(branch),
                    });
                }
                "define" => {
                    let name = match &tokens[1..] {
                        [Token::Str(name)] => name.clone(),
                        _ => return error(line, "define takes one quoted name"),
                    };
                    let (body, end) = self.list()?;
                    match end {
                        Some((_, word)) if word == "end" => self.parsed.defines.push((name, body)),
                        _ => return error(line, format!("define {name:?} has no end")),
                    }
                }
                "template" | "block" | "break" | "continue" | "end" => {
                    return error(line, format!("{{{{{keyword}}}}} is not supported here"))
                }
                _ => nodes.push(Node::Action(pipeline(line, &source, &tokens)?)),
            }
        }
        Ok((nodes, None))
    }

    /// The rest of an `if`/`with`/`range` after its keyword.
    fn branch(
        &mut self,
        line: usize,
        source: String,
        tokens: &[Token],
        keyword: &str,
    ) -> Result<Branch, ParseError> {
        let pipe = pipeline(line, &source, tokens)?;
        let (body, end) = self.list()?;
        let otherwise = match end {
            Some((_, word)) if word == "end" => Vec::new(),
            Some((else_line, _)) => {
                // The `else` action's remaining tokens, left in place by `list`.
                let Item::Action { source, tokens, .. } =
                    std::mem::replace(&mut self.items[self.at - 1], Item::Text(String::new()))
                else {
                    unreachable!("list returns else for an action")
                };
                match tokens.first() {
                    // `else if` / `else with`: a nested branch sharing this end.
                    Some(Token::Ident(word)) if word == "if" || word == "with" => {
                        let word = word.clone();
                        let nested = self.branch(else_line, source, &tokens[1..], &word)?;
                        vec![if word == "if" { Node::If(nested) } else { Node::With(nested) }]
                    }
                    Some(_) => return error(else_line, "unexpected words after else"),
                    None => {
                        let (otherwise, end) = self.list()?;
                        match end {
                            Some((_, word)) if word == "end" => otherwise,
                            _ => return error(else_line, format!("{keyword} has no end")),
                        }
                    }
                }
            }
            None => return error(line, format!("{keyword} has no end")),
        };
        Ok(Branch { pipe, body, otherwise })
    }
}

fn pipeline(line: usize, source: &str, tokens: &[Token]) -> Result<Pipeline, ParseError> {
    let mut vars = Vec::new();
    let mut declare = false;
    let mut rest = tokens;
    // `$x :=`, `$x =` or `$i, $e :=`.
    let decl_end = tokens.iter().position(|t| matches!(t, Token::Declare | Token::Assign));
    if let Some(end) = decl_end {
        for (i, t) in tokens[..end].iter().enumerate() {
            match (i % 2, t) {
                (0, Token::Variable(name, fields)) if fields.is_empty() => vars.push(name.clone()),
                (1, Token::Comma) => {}
                _ => return error(line, "bad variable declaration"),
            }
        }
        declare = tokens[end] == Token::Declare;
        rest = &tokens[end + 1..];
    }
    let mut at = 0;
    let commands = commands(rest, &mut at, line, false)?;
    if at != rest.len() {
        return error(line, "unexpected ) in an action");
    }
    if commands.is_empty() {
        return error(line, "missing value for command");
    }
    Ok(Pipeline { line, source: source.to_owned(), vars, declare, commands })
}

/// Commands separated by `|`, up to the end or (inside parentheses) a `)`.
fn commands(
    tokens: &[Token],
    at: &mut usize,
    line: usize,
    nested: bool,
) -> Result<Vec<Command>, ParseError> {
    let mut out = Vec::new();
    let mut args = Vec::new();
    while *at < tokens.len() {
        let token = &tokens[*at];
        *at += 1;
        args.push(match token {
            Token::Pipe => {
                if args.is_empty() {
                    return error(line, "missing command before |");
                }
                out.push(Command { args: std::mem::take(&mut args) });
                continue;
            }
            Token::Close(_) if nested => {
                *at -= 1;
                break;
            }
            Token::Field(f) => Arg::Field(f.clone()),
            Token::Variable(name, f) => Arg::Variable(name.clone(), f.clone()),
            Token::Ident(word) => match word.as_str() {
                "true" => Arg::Bool(true),
                "false" => Arg::Bool(false),
                "nil" => Arg::Nil,
                _ => Arg::Function(word.clone()),
            },
            Token::Str(s) => Arg::Str(s.clone()),
            Token::Int(i) => Arg::Int(*i),
            Token::Float(f) => Arg::Float(*f),
            Token::Open => {
                let inner = commands(tokens, at, line, true)?;
                let Some(Token::Close(fields)) = tokens.get(*at) else {
                    return error(line, "unclosed (");
                };
                *at += 1;
                if inner.is_empty() {
                    return error(line, "missing value in ( )");
                }
                let pipe = Pipeline {
                    line,
                    source: String::new(),
                    vars: Vec::new(),
                    declare: false,
                    commands: inner,
                };
                Arg::Pipe(Box::new(pipe), fields.clone())
            }
            Token::Close(_) => {
                *at -= 1;
                break;
            }
            Token::Declare | Token::Assign | Token::Comma => {
                return error(line, "unexpected := , or = in a pipeline")
            }
        });
    }
    if !args.is_empty() {
        out.push(Command { args });
    } else if !out.is_empty() {
        return error(line, "missing command after |");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_comments() {
        let parsed =
            parse("a  {{- /* c */ -}}  b {{ .x }}\n{{- define \"n\" -}} t {{- end }}").unwrap();
        assert!(matches!(&parsed.root[0], Node::Text(t) if t == "a"));
        assert!(matches!(&parsed.root[1], Node::Text(t) if t == "b "));
        assert!(matches!(&parsed.root[2], Node::Action(p) if p.source == ".x"));
        assert_eq!(parsed.defines.len(), 1);
        assert!(matches!(&parsed.defines[0].1[0], Node::Text(t) if t == "t"));
    }

    #[test]
    fn else_if_nests() {
        let parsed = parse("{{ if .a }}1{{ else if .b }}2{{ else }}3{{ end }}").unwrap();
        let Node::If(branch) = &parsed.root[0] else { panic!("not an if") };
        assert!(matches!(&branch.otherwise[0], Node::If(inner) if inner.otherwise.len() == 1));
    }

    #[test]
    fn refuses_what_it_does_not_know() {
        for bad in [
            "{{ if .a }}",
            "{{ end }}",
            "{{ template \"x\" }}",
            "{{ .a ",
            "{{ \"x }}",
            "{{ ( .a }}",
            "{{ .a | }}",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_and_strings() {
        let parsed = parse("{{ add 0x10 010 -3 1.5 \"a\\u00e9\\n\" `r\\n` }}").unwrap();
        let Node::Action(p) = &parsed.root[0] else { panic!() };
        let args = &p.commands[0].args;
        assert!(matches!(args[1], Arg::Int(16)));
        assert!(matches!(args[2], Arg::Int(8)));
        assert!(matches!(args[3], Arg::Int(-3)));
        assert!(matches!(args[4], Arg::Float(f) if f == 1.5));
        assert!(matches!(&args[5], Arg::Str(s) if s == "aé\n"));
        assert!(matches!(&args[6], Arg::Str(s) if s == "r\\n"));
    }
}
