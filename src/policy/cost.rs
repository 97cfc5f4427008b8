//! What evaluating a rule may cost, and the limits that keep every evaluation bounded.
//!
//! CEL has no unbounded loops, but its comprehensions (`all`, `exists`, `exists_one`, `map`,
//! `filter`) multiply: each level iterates over a list whose length comes from the evidence, and
//! `map` builds lists of lists. The evaluator also recurses once per level of the syntax tree, so
//! a long flat chain (`1+1+…+1`) is as deep as it is long. The `cel` crate has neither an
//! evaluation budget nor a deadline, so both are bounded from the syntax tree:
//!
//! - At load, [`analyse`] refuses a tree deeper than [`MAX_AST_DEPTH`] (the engine's worker
//!   threads have room for that depth, see [`crate::par::WORKER_STACK`]) and comprehensions
//!   nested deeper than [`MAX_COMPREHENSION_NESTING`] (bundled rules need one).
//! - Before a rule is evaluated on a record, [`estimate`] computes an upper bound of its steps
//!   from the tree and the actual sizes of the record's values: a comprehension costs the length
//!   of the list it iterates (read from the record when the list is a path from a variable, such
//!   as `host.ports`) times the cost of its body. Above [`STEP_BUDGET`] the rule is not evaluated
//!   and the record is `unknown`, never `pass`.
//!
//! Every unit of data an operation creates (a value, or a byte of a string) is counted as a step
//! too, so the budget also bounds the memory of one evaluation: at most [`STEP_BUDGET`] units, a
//! few tens of bytes each. Expressions with neither comprehensions nor operations that can grow
//! a value beyond its operands (concatenation, `replace`, `join`, `format`, `matches`) are
//! *flat*: each node runs once over its operands, so they cost at most the expression's length
//! times the record's size, and [`estimate`] is not run for them (the per-record hot path stays
//! as it was).

use cel::common::ast::{ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue, operators as op};
use cel::common::types::{CelInt, CelList, CelMap, CelString};
use cel::common::value::{CowVal, Val};

/// Deepest syntax tree accepted. The evaluator recurses once per level, with large frames: a
/// tree this deep needs about 2.4 MiB of stack in a debug build (38 KiB a level, measured with
/// `max_depth_fits_the_stack`; a release build needs far less), so rules are evaluated on the
/// engine's workers, whose stack is [`crate::par::WORKER_STACK`]. The parser balances chains of
/// `&&` and `||`; chains of other operators (`a + b + c`, `x ? y : z ? …`, `s.f().g()`) add a
/// level per operator. Bundled rules need at most 11.
pub const MAX_AST_DEPTH: usize = 64;
/// Deepest nesting of comprehensions accepted (`a.all(x, b.exists(y, …))` nests 2).
pub const MAX_COMPREHENSION_NESTING: usize = 3;
/// Most steps one evaluation of one expression on one record may take (see the module docs).
pub const STEP_BUDGET: u64 = 1_000_000;

/// What the load-time analysis found: whether [`estimate`] must run before each evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Analysis {
    pub depth: usize,
    pub nesting: usize,
    /// The expression is not flat (see the module docs): bound it per record.
    pub bounded: bool,
}

/// Functions whose work and result are at most linear in their operands, and which create no
/// value larger than them: an expression of these alone is flat.
const FLAT: &[&str] = &[
    op::CONDITIONAL,
    op::LOGICAL_AND,
    op::LOGICAL_OR,
    op::LOGICAL_NOT,
    op::SUBSTRACT,
    op::MULTIPLY,
    op::DIVIDE,
    op::MODULO,
    op::EQUALS,
    op::NOT_EQUALS,
    op::GREATER_EQUALS,
    op::LESS_EQUALS,
    op::GREATER,
    op::LESS,
    op::NEGATE,
    op::INDEX,
    op::OPT_INDEX,
    op::OPT_SELECT,
    op::NOT_STRICTLY_FALSE,
    op::IN,
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "lowerAscii",
    "upperAscii",
    "trim",
    "reverse",
    "substring",
    "charAt",
    "indexOf",
    "lastIndexOf",
    "split",
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "bytes",
    "type",
    "dyn",
];

/// An expression whose shape exceeds a limit; `at` is " (at line L, column C of the
/// expression)" or empty when the place is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error(
        "the expression's syntax tree is {depth} levels deep{at}; the limit is {MAX_AST_DEPTH} (every operator of a chain \
         such as `a + b + c` adds a level): split it, or test membership with `x in [..]` instead of a chain"
    )]
    TooDeep { depth: usize, at: String },
    #[error(
        "comprehensions (all, exists, exists_one, map, filter) nest {nesting} deep{at}; the limit is \
         {MAX_COMPREHENSION_NESTING}: each level multiplies the work by the length of a list"
    )]
    TooNested { nesting: usize, at: String },
}

/// Checks the shape of a compiled expression against [`MAX_AST_DEPTH`] and
/// [`MAX_COMPREHENSION_NESTING`]. The error names the limit and where in the expression it is
/// exceeded. Iterative: the tree may be far deeper than any limit.
pub fn analyse<'a>(program: &'a cel::Program, source: &str) -> Result<Analysis, LimitError> {
    let mut found = Analysis { depth: 0, nesting: 0, bounded: false };
    let mut deepest: Option<u64> = None;
    let mut nested: Option<u64> = None;
    // (node, its depth, comprehensions around it)
    let mut stack: Vec<(&'a IdedExpr, usize, usize)> = vec![(program.expression(), 1, 0)];
    while let Some((e, depth, around)) = stack.pop() {
        if depth > found.depth {
            found.depth = depth;
            deepest = Some(e.id);
        }
        let mut push = |child: &'a IdedExpr, inner: usize| stack.push((child, depth + 1, inner));
        match &e.expr {
            Expr::Call(c) => {
                found.bounded |= !FLAT.contains(&c.func_name.as_str());
                c.target.iter().for_each(|t| push(t, around));
                c.args.iter().for_each(|a| push(a, around));
            }
            Expr::Comprehension(c) => {
                found.bounded = true;
                if around + 1 > found.nesting {
                    found.nesting = around + 1;
                    nested = Some(e.id);
                }
                for (part, inner) in [
                    (&c.iter_range, around),
                    (&c.accu_init, around),
                    (&c.loop_cond, around + 1),
                    (&c.loop_step, around + 1),
                    (&c.result, around),
                ] {
                    push(part, inner);
                }
            }
            Expr::List(l) => l.elements.iter().for_each(|x| push(x, around)),
            Expr::Map(m) => m.entries.iter().for_each(|x| entry(x, &mut push, around)),
            Expr::Struct(s) => s.entries.iter().for_each(|x| entry(x, &mut push, around)),
            Expr::Select(s) => push(&s.operand, around),
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
    let at = |id: Option<u64>| position(program, source, id);
    if found.depth > MAX_AST_DEPTH {
        return Err(LimitError::TooDeep { depth: found.depth, at: at(deepest) });
    }
    if found.nesting > MAX_COMPREHENSION_NESTING {
        return Err(LimitError::TooNested { nesting: found.nesting, at: at(nested) });
    }
    Ok(found)
}

fn entry<'a>(x: &'a cel::common::ast::IdedEntryExpr, push: &mut impl FnMut(&'a IdedExpr, usize), around: usize) {
    match &x.expr {
        EntryExpr::MapEntry(m) => {
            push(&m.key, around);
            push(&m.value, around);
        }
        EntryExpr::StructField(f) => push(&f.value, around),
    }
}

/// " (at line L, column C of the expression)" for the node `id`, or nothing when unknown.
fn position(program: &cel::Program, source: &str, id: Option<u64>) -> String {
    let Some((start, _)) = id.and_then(|id| program.source_info().offset_for(id)) else {
        return String::new();
    };
    // The parser counts code points.
    let before: String = source.chars().take(start as usize).collect();
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    if source.contains('\n') {
        format!(" (at line {line}, column {column} of the expression)")
    } else {
        format!(" (at column {column} of the expression)")
    }
}

/// An upper bound of a value's size: `len` bounds its length (elements, entries or bytes),
/// `weight` its whole size (value nodes plus string bytes), `elem` the weight of any element,
/// entry or field. Always `len <= weight` and `elem <= weight`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub len: u64,
    pub weight: u64,
    pub elem: u64,
}

impl Size {
    const SCALAR: Size = Size { len: 0, weight: 1, elem: 0 };

    /// A value known only by its weight.
    fn opaque(weight: u64) -> Size {
        Size { len: weight, weight, elem: weight }
    }

    /// An element, entry or field of a value of this size.
    fn element(self) -> Size {
        Size::opaque(self.elem)
    }

    fn join(self, o: Size) -> Size {
        Size { len: self.len.max(o.len), weight: self.weight.max(o.weight), elem: self.elem.max(o.elem) }
    }

    /// A list or string made of both (concatenation), or a number.
    fn concat(self, o: Size) -> Size {
        if self == Size::SCALAR && o == Size::SCALAR {
            return Size::SCALAR;
        }
        Size {
            len: self.len.saturating_add(o.len),
            weight: self.weight.saturating_add(o.weight),
            elem: self.elem.max(o.elem),
        }
    }

    /// A string of at most `bytes` bytes.
    fn string(bytes: u64) -> Size {
        Size { len: bytes, weight: bytes.saturating_add(1), elem: 1 }
    }
}

/// Measures a value of the record. Values of types the engine never binds count as scalars.
pub fn measure(v: &dyn Val) -> Size {
    let mut s = Size { len: 0, weight: own_weight(v), elem: 0 };
    for_children(v, |c| {
        let w = weight(c);
        s.len += 1;
        s.weight = s.weight.saturating_add(w);
        s.elem = s.elem.max(w);
    });
    if let Some(text) = v.downcast_ref::<CelString>() {
        s.len = text.inner().len() as u64;
        s.elem = 1;
    }
    s
}

/// The whole weight of a value, without recursion (record data may nest deeply).
fn weight(v: &dyn Val) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        total = total.saturating_add(own_weight(v));
        for_children(v, |c| stack.push(c));
    }
    total
}

fn own_weight(v: &dyn Val) -> u64 {
    v.downcast_ref::<CelString>().map_or(1, |s| 1 + s.inner().len() as u64)
}

fn for_children<'b, 'v>(v: &'b (dyn Val + 'v), mut f: impl FnMut(&'b (dyn Val + 'v))) {
    if let Some(l) = v.downcast_ref::<CelList>() {
        l.inner().iter().for_each(|x| f(x.as_ref()));
    } else if let Some(m) = v.downcast_ref::<CelMap>() {
        for (k, x) in m.inner() {
            f(k.inner());
            f(x.as_ref());
        }
    }
}

/// What the estimator knows of a value: the value itself when it is (part of) a variable of the
/// record, else an upper bound of its size.
#[derive(Clone, Copy)]
enum Abs<'a, 'v> {
    Data(&'a (dyn Val + 'v)),
    Size(Size),
}

impl Abs<'_, '_> {
    fn size(self) -> Size {
        match self {
            Abs::Data(v) => measure(v),
            Abs::Size(s) => s,
        }
    }

    fn weight(self) -> u64 {
        match self {
            Abs::Data(v) => weight(v),
            Abs::Size(s) => s.weight,
        }
    }
}

/// An upper bound of the steps evaluating `expr` over the variables of `ctx` takes (see the
/// module docs). Saturates at `u64::MAX`. Recursive, once per level of the tree: call it only on
/// expressions [`analyse`] accepted.
pub fn estimate(expr: &IdedExpr, ctx: &cel::Context) -> u64 {
    Estimator { ctx, scope: Vec::new() }.node(expr).1
}

struct Estimator<'a, 'p, 'v> {
    ctx: &'a cel::Context<'p, 'v>,
    /// Comprehension variables in scope, innermost last.
    scope: Vec<(&'a str, Abs<'a, 'v>)>,
}

impl<'a, 'v> Estimator<'a, '_, 'v> {
    /// The value (or its bound) of `e`, and the steps to compute it.
    fn node(&mut self, e: &'a IdedExpr) -> (Abs<'a, 'v>, u64) {
        match &e.expr {
            Expr::Literal(l) => (Abs::Size(literal(l)), 1),
            Expr::Ident(name) => (self.variable(name), 1),
            Expr::Select(s) => {
                let (of, steps) = self.node(&s.operand);
                let v = if s.test { Abs::Size(Size::SCALAR) } else { field(of, &CelString::from(s.field.as_str())) };
                (v, steps.saturating_add(1))
            }
            Expr::List(l) => {
                let mut out = Size { len: l.elements.len() as u64, weight: 1, elem: 0 };
                let mut steps = 1u64;
                for x in &l.elements {
                    let (v, s) = self.node(x);
                    let w = v.weight();
                    out.weight = out.weight.saturating_add(w);
                    out.elem = out.elem.max(w);
                    steps = steps.saturating_add(s).saturating_add(w);
                }
                (Abs::Size(out), steps)
            }
            Expr::Map(m) => self.entries(&m.entries),
            Expr::Struct(s) => self.entries(&s.entries),
            Expr::Call(c) => self.call(&c.func_name, c.target.as_deref(), &c.args),
            Expr::Comprehension(c) => self.comprehension(c),
            Expr::Unspecified => (Abs::Size(Size::SCALAR), 1),
        }
    }

    fn variable(&self, name: &str) -> Abs<'a, 'v> {
        if let Some((_, v)) = self.scope.iter().rev().find(|(n, _)| *n == name) {
            return *v;
        }
        match self.ctx.get_variable(name) {
            Some(CowVal::Borrowed(v)) => Abs::Data(v),
            Some(CowVal::Owned(v)) => Abs::Size(measure(v.as_ref())),
            // Evaluation fails on it at once.
            None => Abs::Size(Size::SCALAR),
        }
    }

    fn entries(&mut self, entries: &'a [cel::common::ast::IdedEntryExpr]) -> (Abs<'a, 'v>, u64) {
        let mut out = Size { len: entries.len() as u64, weight: 1, elem: 0 };
        let mut steps = 1u64;
        for x in entries {
            let parts: Vec<&IdedExpr> = match &x.expr {
                EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
                EntryExpr::StructField(f) => vec![&f.value],
            };
            for p in parts {
                let (v, s) = self.node(p);
                let w = v.weight();
                out.weight = out.weight.saturating_add(w);
                out.elem = out.elem.max(w);
                steps = steps.saturating_add(s).saturating_add(w);
            }
        }
        (Abs::Size(out), steps)
    }

    fn call(&mut self, name: &str, target: Option<&'a IdedExpr>, args: &'a [IdedExpr]) -> (Abs<'a, 'v>, u64) {
        let mut vals = Vec::with_capacity(args.len() + 1);
        let mut steps = 1u64;
        for a in target.into_iter().chain(args) {
            let (v, s) = self.node(a);
            vals.push(v);
            steps = steps.saturating_add(s);
        }
        let (result, work) = apply(name, &vals, args);
        (result, steps.saturating_add(work))
    }

    fn comprehension(&mut self, c: &'a ComprehensionExpr) -> (Abs<'a, 'v>, u64) {
        let (range, range_steps) = self.node(&c.iter_range);
        let (init, init_steps) = self.node(&c.accu_init);
        let range = range.size();
        let n = range.len;
        // Every element is at most the largest one; the second variable of a two-variable
        // comprehension (index or key, then value) too.
        let item = Abs::Size(range.element());
        let depth = self.scope.len();
        self.scope.push((c.iter_var.as_str(), item));
        if let Some(v2) = &c.iter_var2 {
            self.scope.push((v2.as_str(), item));
        }
        // The accumulator (`@result`, which rule text cannot name) is a boolean or a count for
        // `all`, `exists` and `exists_one`, and a list that grows by one item per iteration for
        // `map` and `filter`, appended in place: bound it by its final size, the largest it gets.
        let (accu, per_item, grown) = match append_step(c) {
            Some((guard, items)) => {
                let (list, items_steps) = self.node(items);
                let guard_steps = guard.map_or(0, |g| self.node(g).1);
                let list = list.size();
                let accu = Size { len: n, weight: list.weight.saturating_mul(n).saturating_add(1), elem: list.elem };
                (accu, items_steps.saturating_add(guard_steps).saturating_add(list.weight), true)
            }
            None => (init.size(), 0, false),
        };
        self.scope.push((c.accu_var.as_str(), Abs::Size(accu)));
        let (step, step_steps) = if grown { (Abs::Size(accu), per_item) } else { self.node(&c.loop_step) };
        let (_, cond_steps) = self.node(&c.loop_cond);
        let (result, result_steps) = self.node(&c.result);
        self.scope.truncate(depth);
        // A step that is neither an append nor a boolean or a count cannot come from CEL's
        // macros; bound it as if each iteration could add its whole size.
        let result = match step.size() {
            s if !grown && s.weight > accu.weight => {
                Abs::Size(Size::opaque(s.weight.saturating_mul(n.saturating_add(1)).saturating_add(accu.weight)))
            }
            _ => result,
        };
        let per_item = step_steps.saturating_add(cond_steps).saturating_add(1);
        let steps = range_steps
            .saturating_add(init_steps)
            .saturating_add(per_item.saturating_mul(n))
            .saturating_add(result_steps)
            .saturating_add(1);
        (result, steps)
    }
}

/// The guard and the `[item]` of a `map` or `filter` step, which appends to the accumulator
/// (`@result + [item]`, maybe guarded as `guard ? @result + [item] : @result`), if it is one.
fn append_step(c: &ComprehensionExpr) -> Option<(Option<&IdedExpr>, &IdedExpr)> {
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if *n == c.accu_var);
    let (guard, step) = match &c.loop_step.expr {
        Expr::Call(call) if call.func_name == op::CONDITIONAL && call.args.len() == 3 && is_accu(&call.args[2]) => {
            (Some(&call.args[0]), &call.args[1])
        }
        _ => (None, &c.loop_step),
    };
    match &step.expr {
        Expr::Call(call)
            if call.func_name == op::ADD
                && call.args.len() == 2
                && is_accu(&call.args[0])
                && matches!(call.args[1].expr, Expr::List(_)) =>
        {
            Some((guard, &call.args[1]))
        }
        _ => None,
    }
}

fn literal(l: &LiteralValue) -> Size {
    match l {
        LiteralValue::String(s) => Size::string(s.inner().len() as u64),
        LiteralValue::Bytes(b) => Size::string(b.inner().len() as u64),
        _ => Size::SCALAR,
    }
}

/// A field or element of `of`: the record's value itself when `of` is record data.
fn field<'a, 'v>(of: Abs<'a, 'v>, key: &dyn Val) -> Abs<'a, 'v> {
    match of {
        Abs::Data(v) => match v.as_indexer().map(|i| i.get(key)) {
            Some(Ok(CowVal::Borrowed(x))) => Abs::Data(x),
            Some(Ok(CowVal::Owned(x))) => Abs::Size(measure(x.as_ref())),
            // Evaluation fails here.
            _ => Abs::Size(Size::SCALAR),
        },
        Abs::Size(s) => Abs::Size(s.element()),
    }
}

/// The result of function `name` on `vals` (target first) and the work of the call itself, its
/// operands aside. `args` are the call's arguments, for literal indices.
fn apply<'a, 'v>(name: &str, vals: &[Abs<'a, 'v>], args: &'a [IdedExpr]) -> (Abs<'a, 'v>, u64) {
    let w = |i: usize| vals.get(i).map_or(0, |v| v.weight());
    // Measuring a value of the record walks it: only for the calls whose cost depends on it.
    let all = || (0..vals.len()).map(w).fold(0, u64::saturating_add);
    let scalar = |work: u64| (Abs::Size(Size::SCALAR), work.saturating_add(1));
    let made = |s: Size, work: u64| (Abs::Size(s), work.saturating_add(s.weight).saturating_add(1));
    match name {
        op::LOGICAL_AND | op::LOGICAL_OR | op::LOGICAL_NOT | op::NOT_STRICTLY_FALSE => scalar(0),
        op::SUBSTRACT | op::MULTIPLY | op::DIVIDE | op::MODULO | op::NEGATE => scalar(0),
        op::CONDITIONAL => match vals {
            [_, a, b] => (Abs::Size(a.size().join(b.size())), 1),
            _ => scalar(0),
        },
        op::INDEX | op::OPT_INDEX => match (vals, args.get(1).map(|a| &a.expr)) {
            ([of, _], Some(Expr::Literal(LiteralValue::String(k)))) => (field(*of, k), 1),
            ([of, _], Some(Expr::Literal(LiteralValue::Int(i)))) => (field(*of, &CelInt::from(*i.inner())), 1),
            ([of, _], _) => (Abs::Size(of.size().element()), 1),
            _ => scalar(0),
        },
        // Comparing stops at the end of the shorter operand: a literal bounds it without
        // measuring the record's side.
        op::EQUALS | op::NOT_EQUALS | op::GREATER_EQUALS | op::LESS_EQUALS | op::GREATER | op::LESS => match vals {
            [Abs::Size(a), _] | [_, Abs::Size(a)] => scalar(a.weight),
            [a, b] => scalar(a.weight().min(b.weight())),
            _ => scalar(all()),
        },
        // A key in a map is a lookup; in a list, a comparison with every element.
        op::IN => match vals {
            [x, Abs::Data(m)] if m.downcast_ref::<CelMap>().is_some() => scalar(x.weight()),
            _ => scalar(all()),
        },
        "contains" | "startsWith" | "endsWith" | "indexOf" | "lastIndexOf" | "size" | "int" | "uint" | "double"
        | "bool" | "type" => scalar(all()),
        op::ADD => match vals {
            [a, b] => made(a.size().concat(b.size()), all()),
            _ => scalar(all()),
        },
        // At most the target, or a piece of it.
        "lowerAscii" | "upperAscii" | "trim" | "reverse" | "substring" | "charAt" | "dyn" => {
            made(Size::opaque(w(0).max(1)), all())
        }
        // Escapes at most double a string's bytes; a number prints in a few tens.
        "quote" | "string" | "bytes" => made(Size::string(w(0).saturating_mul(6).saturating_add(32)), all()),
        "split" => {
            let s = w(0);
            made(Size { len: s.saturating_add(1), weight: s.saturating_mul(2).saturating_add(2), elem: s }, all())
        }
        // `join(sep)`: every element, and the separator between each two.
        "join" => {
            let list = vals.first().map_or(Size::SCALAR, |v| v.size());
            made(Size::string(list.weight.saturating_add(list.len.saturating_mul(w(1)))), all())
        }
        // `replace(old, new[, n])`: at worst `new` between every two bytes (an empty `old`).
        "replace" => {
            let s = vals.first().map_or(Size::SCALAR, |v| v.size());
            made(Size::string(s.weight.saturating_add(s.len.saturating_add(1).saturating_mul(w(2)))), all())
        }
        // `format(list)`: each clause prints one argument; a precision prints at most 100 digits.
        "format" => made(Size::string(w(0).saturating_mul(110).saturating_add(w(1).saturating_mul(8))), all()),
        // Matching a regular expression is linear in the text for each state of the pattern.
        "matches" => scalar(w(0).saturating_mul(w(1)).saturating_add(all())),
        // Anything else: assume it may copy and grow its operands several times over.
        _ => made(Size::opaque(all().saturating_mul(8).saturating_add(32)), all()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::rules::{cel_env, new_context, to_val};
    use serde_json::json;

    fn program(src: &str) -> cel::Program {
        cel_env().compile(src).unwrap()
    }

    fn steps(src: &str, host: serde_json::Value) -> u64 {
        let p = program(src);
        let mut ctx = new_context();
        ctx.add_variable_as_val("host", to_val(&host));
        estimate(p.expression(), &ctx)
    }

    fn ports(n: usize) -> serde_json::Value {
        json!({"ports": (0..n).map(|i| json!({"portid": i, "name": "telnet"})).collect::<Vec<_>>()})
    }

    #[test]
    fn measures_record_values() {
        let v = json!({"a": [1, 2, 3], "s": "abcd"});
        let s = measure(to_val(&v["a"]).as_ref());
        assert_eq!(s, Size { len: 3, weight: 4, elem: 1 });
        assert_eq!(measure(to_val(&v["s"]).as_ref()), Size { len: 4, weight: 5, elem: 1 });
        // map: itself, 2 keys (1 + 1 byte), [1,2,3] (4), "abcd" (5)
        assert_eq!(measure(to_val(&v).as_ref()).weight, 1 + 2 + 4 + 2 + 5);
    }

    #[test]
    fn one_comprehension_is_linear_in_the_list_it_reads() {
        let small = steps("host.ports.exists(p, p.portid == 23)", ports(10));
        let big = steps("host.ports.exists(p, p.portid == 23)", ports(1000));
        assert!(big > 50 * small && big < 200 * small, "{small} {big}");
        // A bundled-style rule on a tarpit host with 20 000 ports stays within the budget.
        assert!(steps("host.ports.exists(p, p.portid == 23)", ports(20_000)) < STEP_BUDGET);
    }

    #[test]
    fn nesting_multiplies() {
        let one = steps("host.ports.all(p, p.portid >= 0)", ports(1000));
        let two = steps("host.ports.all(p, host.ports.all(q, p.portid >= q.portid))", ports(1000));
        assert!(two >= 1000 * 1000, "{two}");
        assert!(two > 500 * one, "{one} {two}");
        assert!(steps("host.ports.all(p, host.ports.all(q, p.portid >= q.portid))", ports(20_000)) > STEP_BUDGET);
    }

    #[test]
    fn literal_lists_count_their_elements() {
        let ten = "[0,1,2,3,4,5,6,7,8,9]";
        let three = format!("{ten}.all(a, {ten}.all(b, {ten}.all(c, a + b + c >= 0)))");
        let s = steps(&three, json!({}));
        assert!((1000..STEP_BUDGET).contains(&s), "{s}");
    }

    #[test]
    fn maps_of_maps_grow_and_are_charged() {
        let ten = "[0,1,2,3,4,5,6,7,8,9]";
        let nested = format!("size({ten}.map(a, {ten}.map(b, {ten}.map(c, {ten})))) > 0");
        // 10^3 lists of 10 elements built: at least 10^4 units of data.
        assert!(steps(&nested, json!({})) >= 10_000);
        // Mapping over the record's list copies each of its elements.
        let copy = steps("size(host.ports.map(p, [p, p])) > 0", ports(1000));
        assert!(copy > 2 * measure(to_val(&ports(1000)["ports"]).as_ref()).weight, "{copy}");
    }

    #[test]
    fn membership_costs_a_pass_over_a_list_but_a_lookup_in_a_map() {
        let mut h = ports(100);
        h["big"] = json!((0..20_000).collect::<Vec<_>>());
        h["map"] = (0..20_000).map(|i| (i.to_string(), json!(i))).collect::<serde_json::Map<_, _>>().into();
        assert!(steps("host.ports.exists(p, p.portid in host.big)", h.clone()) > 100 * 20_000);
        assert!(steps("host.ports.exists(p, string(p.portid) in host.map)", h) < 100 * 1000);
    }

    #[test]
    fn map_and_filter_append_in_place() {
        // Linear in the list, not quadratic: the accumulator is not copied per item.
        let small = steps("size(host.ports.map(p, p.portid)) > 0", ports(100));
        let big = steps("size(host.ports.filter(p, p.portid > 1)) > 0", ports(10_000));
        assert!(big < 200 * small, "{small} {big}");
        assert!(big < STEP_BUDGET, "{big}");
    }

    #[test]
    fn string_growth_is_charged() {
        let s = json!({"banner": "x".repeat(10_000)});
        assert!(steps("host.banner.replace('', host.banner).size() > 0", s.clone()) > 10_000 * 10_000);
        assert!(steps("(host.banner + host.banner).size() > 0", s) >= 20_000);
    }

    #[test]
    fn paths_through_the_record_are_exact() {
        // `host.ports` is read from the record; `host.other` (bigger) does not count.
        let mut h = ports(10);
        h["other"] = json!((0..10_000).collect::<Vec<_>>());
        assert!(steps("host.ports.exists(p, p.portid == 23)", h) < 1000);
    }

    #[test]
    fn shape_limits_name_the_limit_and_the_place() {
        let chain = format!("{} > 0", vec!["1"; 200].join(" + "));
        let e = analyse(&program(&chain), &chain).unwrap_err().to_string();
        assert!(e.contains(&format!("the limit is {MAX_AST_DEPTH}")), "{e}");
        assert!(e.contains("column"), "{e}");
        let nested = "[1].all(a, [1].all(b, [1].all(c, [1].all(d, true))))";
        let e = analyse(&program(nested), nested).unwrap_err().to_string();
        assert!(e.contains("nest 4 deep (at column 41 of the expression); the limit is 3"), "{e}");
        let ok = analyse(&program("port.state == 'open'"), "").unwrap();
        assert!(!ok.bounded && ok.nesting == 0, "{ok:?}");
        assert!(analyse(&program("host.ports.exists(p, p.portid == 1)"), "").unwrap().bounded);
        assert!(analyse(&program("host.name + 'x' == 'y'"), "").unwrap().bounded);
    }

    /// The deepest expression of a kind that `analyse` accepts: `make(n)` for the largest `n`.
    fn deepest(make: impl Fn(usize) -> String) -> String {
        let ok = |n: usize| {
            let src = make(n);
            if src.len() > crate::policy::rules::MAX_EXPR_LEN {
                return false;
            }
            let p = crate::policy::rules::tests::compile_big(&src);
            p.is_ok_and(|p| analyse(&p, &src).is_ok())
        };
        // Doubling, then bisection: compiling is slow for long expressions in a debug build.
        let (mut lo, mut hi) = (1, 2);
        while ok(hi) {
            (lo, hi) = (hi, hi * 2);
        }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if ok(mid) { lo = mid } else { hi = mid }
        }
        make(lo)
    }

    /// Expressions at the depth limit, of each kind that recurses in the evaluator.
    fn deepest_shapes() -> Vec<String> {
        let ten = "[0,1,2,3,4,5,6,7,8,9]";
        vec![
            deepest(|n| format!("{} > 0", vec!["1"; n].join(" + "))),
            deepest(|n| format!("{} == 1", vec!["host.ports"; n].join(" == 1 ? 1 : "))),
            deepest(|n| format!("host{}", ".a".repeat(n))),
            deepest(|n| format!("'A'{} == 'a'", ".lowerAscii()".repeat(n))),
            deepest(|n| {
                format!("{ten}.all(a, {ten}.exists(b, {ten}.all(c, {} >= 0)))", vec!["a + b + c"; n].join(" + "))
            }),
        ]
    }

    /// Every deepest expression evaluates (and is estimated) on a thread with a quarter of
    /// `par::WORKER_STACK`. `TUANTHU_STACK_KB` (and `TUANTHU_SHAPE`, an index) override it to
    /// measure what the deepest expression needs: an overflow aborts the test process.
    #[test]
    fn max_depth_fits_the_stack() {
        const STACK: usize = crate::par::WORKER_STACK / 4;
        let stack =
            std::env::var("TUANTHU_STACK_KB").ok().and_then(|s| s.parse::<usize>().ok()).map_or(STACK, |k| k << 10);
        let host = json!({"ports": [1, 2, 3], "a": {"a": {"a": 1}}});
        let only = std::env::var("TUANTHU_SHAPE").ok().and_then(|s| s.parse::<usize>().ok());
        for (i, src) in deepest_shapes().into_iter().enumerate() {
            if only.is_some_and(|o| o != i) {
                continue;
            }
            let program = std::sync::Arc::new(crate::policy::rules::tests::compile_big(&src).unwrap());
            let depth = analyse(&program, &src).unwrap().depth;
            assert!(depth >= MAX_AST_DEPTH - 2, "{depth}: {src}");
            let (p, h) = (program.clone(), host.clone());
            let done = std::thread::Builder::new()
                .stack_size(stack)
                .spawn(move || {
                    let mut ctx = new_context();
                    ctx.add_variable_as_val("host", to_val(&h));
                    let steps = estimate(p.expression(), &ctx);
                    let _ = p.execute(&ctx);
                    steps
                })
                .unwrap()
                .join();
            assert!(done.is_ok(), "{src}");
            // Dropped on the big stack, like the compiler's.
            crate::policy::rules::tests::drop_big(program);
        }
    }
}
