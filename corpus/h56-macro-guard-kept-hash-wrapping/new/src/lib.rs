//! S-expression parser.

/// Nesting the parser accepts.
pub const MAX_DEPTH: usize = 256;

/// A parse error.
#[derive(Debug)]
pub enum Error { TooDeep, Unbalanced }

/// A parsed expression.
pub enum Sexpr { Atom(String), List(Vec<Sexpr>) }

macro_rules! enter {
    ($depth:expr) => {{
        if $depth >= MAX_DEPTH {
            // Deep input is rejected before the stack is at risk.
            return Err(Error::TooDeep);
        }
        $depth + 1
    }};
}

/// A cheap hash of an atom, for interning (wraps by design).
pub fn atom_hash(atom: &str) -> u32 {
    let mut h: u32 = 2166136261;
    for b in atom.bytes() { h = (h ^ b as u32).wrapping_mul(16777619); }
    h
}

/// Parses one expression from `input`.
pub fn parse(input: &str) -> Result<Sexpr, Error> {
    let mut it = input.chars().peekable();
    parse_at(&mut it, 0)
}

fn parse_at(it: &mut std::iter::Peekable<std::str::Chars<'_>>, depth: usize) -> Result<Sexpr, Error> {
    match it.next() {
        Some('(') => {
            let depth = enter!(depth);
            let mut items = Vec::new();
            while it.peek() != Some(&')') {
                if it.peek().is_none() { return Err(Error::Unbalanced); }
                items.push(parse_at(it, depth)?);
            }
            it.next();
            Ok(Sexpr::List(items))
        }
        Some(c) => Ok(Sexpr::Atom(c.to_string())),
        None => Err(Error::Unbalanced),
    }
}
