//! Executes parsed templates as Go's `text/template` does under Helm's
//! settings (`missingkey=zero`; `<no value>` removed from each file's
//! output): truth, scoping of variables, `with`/`range` moving the dot,
//! field chains that fail on nil, `and`/`or` short-circuiting, `include`.

use super::funcs;
use super::parse::{Arg, Branch, Command, Node, Pipeline};
use super::value::Value;
use std::collections::BTreeMap;
use std::fmt;

/// How deep `include`s may nest. Helm allows a template 1,000 nested
/// copies of itself; this engine stops at 100, well inside a thread's stack
/// (a render that deep is a template including itself by mistake).
const MAX_INCLUDE_DEPTH: usize = 100;

/// A failure while executing a template: the file, the line, the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    pub template: String,
    pub line: usize,
    pub action: String,
    pub message: String,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.template, self.line)?;
        if !self.action.is_empty() {
            write!(f, "at <{}>: ", self.action)?;
        }
        f.write_str(&self.message)
    }
}

/// Every named template of a chart: each file by its name, and each `define`.
#[derive(Default)]
pub struct Templates {
    pub named: BTreeMap<String, (String, Vec<Node>)>,
}

impl Templates {
    /// Runs the template `name` on `data` and returns its raw output.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String, ExecError> {
        let mut state =
            State { templates: self, vars: Vec::new(), out: String::new(), file: "", depth: 0 };
        match state.include(name, data.clone()) {
            Ok(()) => Ok(state.out),
            Err(Ok(failed)) => Err(failed),
            Err(Err(message)) => Err(ExecError {
                template: name.to_owned(),
                line: 0,
                action: String::new(),
                message,
            }),
        }
    }
}

struct State<'a> {
    templates: &'a Templates,
    vars: Vec<(String, Value)>,
    out: String,
    /// The file the running template was defined in.
    file: &'a str,
    depth: usize,
}

type Result<T, E = ExecError> = std::result::Result<T, E>;

impl<'a> State<'a> {
    fn fail(&self, pipe: &Pipeline, message: impl Into<String>) -> ExecError {
        ExecError {
            template: self.file.to_owned(),
            line: pipe.line,
            action: pipe.source.clone(),
            message: message.into(),
        }
    }

    /// Runs a named template with `data` as dot and `$`, appending to the output.
    /// Fails as a message when the template is missing or nested too
    /// deep (for the caller to place), else with the failing action's own place.
    fn include(&mut self, name: &str, data: Value) -> Result<(), Result<ExecError, String>> {
        let Some((file, nodes)) = self.templates.named.get(name) else {
            return Err(Err(format!("no template {name:?} associated with template \"gotpl\"")));
        };
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(Err(format!("rendering template has a nested reference name: {name}")));
        }
        let vars = std::mem::replace(&mut self.vars, vec![("$".to_owned(), data.clone())]);
        let file = std::mem::replace(&mut self.file, file);
        self.depth += 1;
        let result = self.walk(&data, nodes);
        self.depth -= 1;
        self.file = file;
        self.vars = vars;
        result.map_err(Ok)
    }

    fn walk(&mut self, dot: &Value, nodes: &[Node]) -> Result<()> {
        for node in nodes {
            match node {
                Node::Text(text) => self.out.push_str(text),
                Node::Action(pipe) => {
                    let value = self.pipeline(dot, pipe)?;
                    if pipe.vars.is_empty() {
                        print(&mut self.out, &value);
                    }
                }
                Node::If(branch) | Node::With(branch) => {
                    let mark = self.vars.len();
                    let value = self.pipeline(dot, &branch.pipe)?;
                    let with = matches!(node, Node::With(_));
                    let result = if value.truth() {
                        self.walk(if with { &value } else { dot }, &branch.body)
                    } else {
                        self.walk(dot, &branch.otherwise)
                    };
                    self.vars.truncate(mark);
                    result?;
                }
                Node::Range(branch) => self.range(dot, branch)?,
            }
        }
        Ok(())
    }

    fn range(&mut self, dot: &Value, branch: &Branch) -> Result<()> {
        let pipe = &branch.pipe;
        let value = self.commands(dot, pipe)?;
        let items: Vec<(Value, Value)> = match &value {
            Value::List(items) => {
                items.iter().enumerate().map(|(i, v)| (Value::Int(i as i64), v.clone())).collect()
            }
            Value::Map(map) => map.iter().map(|(k, v)| (Value::str(k), v.clone())).collect(),
            Value::Nil => Vec::new(),
            other => {
                return Err(self.fail(
                    pipe,
                    format!("range can't iterate over {}", super::go_text::sprint(other)),
                ))
            }
        };
        if items.is_empty() {
            return self.walk(dot, &branch.otherwise);
        }
        let mark = self.vars.len();
        for (key, item) in items {
            let assigned: Vec<(&String, Value)> = match pipe.vars.as_slice() {
                [] => Vec::new(),
                [one] => vec![(one, item.clone())],
                [k, v] => vec![(k, key), (v, item.clone())],
                _ => return Err(self.fail(pipe, "too many variables in range")),
            };
            for (name, value) in assigned {
                // `range $x :=` declares; `range $x =` sets the one outside.
                match self.vars.iter_mut().rev().find(|(n, _)| n == name).filter(|_| !pipe.declare)
                {
                    Some(slot) => slot.1 = value,
                    None => self.vars.push((name.clone(), value)),
                }
            }
            let result = self.walk(&item, &branch.body);
            self.vars.truncate(mark);
            result?;
        }
        Ok(())
    }

    /// A pipeline's value, with its variable declared or assigned.
    fn pipeline(&mut self, dot: &Value, pipe: &Pipeline) -> Result<Value> {
        let value = self.commands(dot, pipe)?;
        match pipe.vars.as_slice() {
            [] => {}
            [name] if pipe.declare => self.vars.push((name.clone(), value.clone())),
            [name] => match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = value.clone(),
                None => return Err(self.fail(pipe, format!("undefined variable: {name}"))),
            },
            _ => return Err(self.fail(pipe, "too many declarations")),
        }
        Ok(value)
    }

    fn commands(&mut self, dot: &Value, pipe: &Pipeline) -> Result<Value> {
        let mut value: Option<Value> = None;
        for command in &pipe.commands {
            value = Some(self.command(dot, pipe, command, value)?);
        }
        Ok(value.unwrap_or(Value::Nil))
    }

    fn command(
        &mut self,
        dot: &Value,
        pipe: &Pipeline,
        command: &Command,
        last: Option<Value>,
    ) -> Result<Value> {
        let (first, rest) = command.args.split_first().expect("the parser makes no empty command");
        let Arg::Function(name) = first else {
            if matches!(first, Arg::Nil) {
                return Err(self.fail(pipe, "nil is not a command"));
            }
            if !rest.is_empty() || last.is_some() {
                return Err(self.fail(pipe, "can't give argument to non-function"));
            }
            return self.arg(dot, pipe, first);
        };
        match name.as_str() {
            // Short-circuit: the first false (and) or true (or) argument,
            // else the last; the piped value comes last.
            "and" | "or" => {
                let stop_on = name == "or";
                let mut result = Value::Nil;
                for arg in rest {
                    result = self.arg(dot, pipe, arg)?;
                    if result.truth() == stop_on {
                        return Ok(result);
                    }
                }
                let piped = last.is_some();
                if let Some(last) = last {
                    result = last;
                }
                if rest.is_empty() && !piped {
                    return Err(self.fail(
                        pipe,
                        format!("wrong number of args for {name}: want at least 1 got 0"),
                    ));
                }
                Ok(result)
            }
            "set" => self.set(dot, pipe, rest, last),
            _ => {
                let mut args = Vec::with_capacity(rest.len() + 1);
                for arg in rest {
                    args.push(self.arg(dot, pipe, arg)?);
                }
                args.extend(last);
                if name == "include" {
                    let (template, data) = match args.as_slice() {
                        [Value::Str(t), data] => (t.clone(), data.clone()),
                        _ => {
                            return Err(
                                self.fail(pipe, "include takes a template name and its data")
                            )
                        }
                    };
                    let out = std::mem::take(&mut self.out);
                    let result = self.include(&template, data);
                    let text = std::mem::replace(&mut self.out, out);
                    return match result {
                        Ok(()) => Ok(Value::Str(text)),
                        Err(Ok(failed)) => Err(failed),
                        Err(Err(message)) => Err(self.fail(pipe, message)),
                    };
                }
                funcs::call(name, args)
                    .map_err(|m| self.fail(pipe, format!("error calling {name}: {m}")))
            }
        }
    }

    /// sprig's `set MAP KEY VALUE`, which changes MAP in place. Go's maps
    /// are shared, ours copied on write, so MAP must be a variable or an
    /// `index` into one (`set (index $config "a") "b" 1`), changed where the
    /// variable holds it (see `set_at`).
    fn set(
        &mut self,
        dot: &Value,
        pipe: &Pipeline,
        rest: &[Arg],
        last: Option<Value>,
    ) -> Result<Value> {
        let mut values = Vec::new();
        for arg in rest.iter().skip(1) {
            values.push(self.arg(dot, pipe, arg)?);
        }
        values.extend(last);
        let [Value::Str(key), value] = values.as_slice() else {
            return Err(self.fail(pipe, "set takes a map, a key and a value"));
        };
        // The variable and the keys of the `index` path into it.
        let (var, path): (&str, Vec<Value>) = match rest.first() {
            Some(Arg::Variable(var, fields)) if fields.is_empty() => (var, Vec::new()),
            Some(Arg::Pipe(inner, fields)) if fields.is_empty() && inner.commands.len() == 1 => {
                match inner.commands[0].args.as_slice() {
                    [Arg::Function(f), Arg::Variable(var, fields), keys @ ..]
                        if f == "index" && fields.is_empty() =>
                    {
                        let mut path = Vec::new();
                        for k in keys {
                            path.push(self.arg(dot, pipe, k)?);
                        }
                        (var, path)
                    }
                    _ => return Err(self.fail(pipe, "set needs a variable, or an index into one")),
                }
            }
            _ => return Err(self.fail(pipe, "set needs a variable, or an index into one")),
        };
        let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == var) else {
            return Err(self.fail(pipe, format!("undefined variable: {var}")));
        };
        let result = set_at(&mut slot.1, &path, key, value);
        result.map_err(|m| self.fail(pipe, format!("error calling set: {m}")))
    }

    fn arg(&mut self, dot: &Value, pipe: &Pipeline, arg: &Arg) -> Result<Value> {
        match arg {
            Arg::Field(fields) => self.fields(pipe, dot.clone(), fields, false),
            Arg::Variable(name, fields) => {
                let Some((_, value)) = self.vars.iter().rev().find(|(n, _)| n == name) else {
                    return Err(self.fail(pipe, format!("undefined variable: {name}")));
                };
                self.fields(pipe, value.clone(), fields, true)
            }
            Arg::Pipe(inner, fields) => {
                let value = self.commands(dot, inner)?;
                self.fields(pipe, value, fields, true)
            }
            // An identifier as an argument: a call without arguments (`dict`).
            Arg::Function(_) => self.command(dot, pipe, &Command { args: vec![arg.clone()] }, None),
            Arg::Str(s) => Ok(Value::str(s.as_str())),
            Arg::Int(i) => Ok(Value::Int(*i)),
            Arg::Float(f) => Ok(Value::Float(*f)),
            Arg::Bool(b) => Ok(Value::Bool(*b)),
            Arg::Nil => Ok(Value::Nil),
        }
    }

    /// A field chain. Go tells a nil taken from a map (an error on the next
    /// field) from a pipeline's or variable's nil (the chain stays nil):
    /// `lenient` is the latter, for the chain's start only.
    fn fields(
        &self,
        pipe: &Pipeline,
        value: Value,
        fields: &[String],
        lenient: bool,
    ) -> Result<Value> {
        if fields.is_empty() {
            return Ok(value);
        }
        // Walked by reference; only the value found is copied.
        let mut at = &value;
        for (i, field) in fields.iter().enumerate() {
            at = match at {
                Value::Map(map) => map.get(field).unwrap_or(&Value::Nil),
                Value::Nil if lenient && i == 0 => return Ok(Value::Nil),
                Value::Nil => {
                    return Err(
                        self.fail(pipe, format!("nil pointer evaluating interface {{}}.{field}"))
                    )
                }
                other => {
                    return Err(self.fail(
                        pipe,
                        format!("can't evaluate field {field} in type {}", other.type_name()),
                    ))
                }
            };
        }
        Ok(at.clone())
    }
}

/// Sets `key` to `value` in the map at `path` inside `at`; returns that map.
/// Copy on write: another value holding the same map (which Go would change
/// too) keeps it as it was. Charts `deepCopy` a map before they `set` into
/// it and discard `set`'s result (`$_ :=`), where the two agree.
fn set_at(mut at: &mut Value, path: &[Value], key: &str, value: &Value) -> Result<Value, String> {
    for k in path {
        at = match (at, k) {
            (Value::Map(map), Value::Str(k)) => {
                match std::rc::Rc::make_mut(map).get_mut(k.as_str()) {
                    Some(v) => v,
                    None => return Err(format!("no key {k:?} to set in")),
                }
            }
            _ => return Err("index of a value that is no map".into()),
        };
    }
    match at {
        Value::Map(map) => {
            std::rc::Rc::make_mut(map).insert(key.to_owned(), value.clone());
            Ok(at.clone())
        }
        other => Err(format!(
            "wrong type for value; expected map[string]interface {{}}; got {}",
            other.type_name()
        )),
    }
}

/// What `{{ value }}` writes: nil as `<no value>` (Helm removes it later).
fn print(out: &mut String, value: &Value) {
    match value {
        Value::Nil => out.push_str("<no value>"),
        Value::Str(s) => out.push_str(s),
        other => out.push_str(&super::go_text::sprint(other)),
    }
}
