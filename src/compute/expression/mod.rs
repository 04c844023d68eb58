//! Band-maths expressions for what the index catalogue lacks, e.g.
//! `(post.nir - post.swir2) / (post.nir + post.swir2)`.
//!
//! A real parser (no eval): numbers, `scene.band` references, `+ - * /`, unary minus,
//! parentheses, comparisons (`< <= > >= == !=`, giving 1 or 0), `and`, `or`, and the functions
//! `abs sqrt log10 db min max where(cond, a, b)` (`db(x)` = 10·log10(x), linear power to dB). Evaluation works on whole tile buffers, one
//! operation at a time over all pixels, not by walking the tree per pixel. Any NaN input gives
//! NaN (nodata), and so do division by zero, `sqrt` of a negative, `log10` of zero or less,
//! and a comparison with nodata.

mod eval;
mod lexer;
mod parser;

pub use parser::Node;

/// A `scene.band` reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BandRef {
    pub scene: String,
    pub band: String,
}

impl std::fmt::Display for BandRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.scene, self.band)
    }
}

/// What is wrong with an expression, and where: `column` counts characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ExpressionError {
    pub column: usize,
    pub message: String,
}

/// A parsed expression with the band references it reads, each listed once.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub text: String,
    root: Node,
    references: Vec<BandRef>,
    /// Column of the first use of each reference, for validation messages.
    columns: Vec<usize>,
}

/// The most tokens an expression may have: an index formula has tens; thousands are a
/// generated mistake, and each one deepens the tree that parsing and evaluation recurse on.
pub const MAX_TOKENS: usize = 1000;
/// The deepest nesting of parentheses, calls and unary minus.
pub const MAX_NESTING: usize = 32;

/// Refuses expressions whose tree would be too deep to parse and evaluate on a worker's
/// stack, before any recursion.
fn check_size(tokens: &[lexer::Located]) -> Result<(), ExpressionError> {
    if let Some((_, column)) = tokens.get(MAX_TOKENS) {
        return Err(ExpressionError {
            column: *column,
            message: format!(
                "the expression has more than {MAX_TOKENS} terms and operators; split it or \
                 use an index"
            ),
        });
    }
    let (mut depth, mut unary) = (0usize, 0usize);
    for (token, column) in tokens {
        match token {
            lexer::Token::Symbol("(") => depth += 1,
            lexer::Token::Symbol(")") => depth = depth.saturating_sub(1),
            _ => {}
        }
        // A run of unary minus signs recurses like parentheses.
        unary = match token {
            lexer::Token::Symbol("-") => unary + 1,
            _ => 0,
        };
        if depth + unary > MAX_NESTING {
            return Err(ExpressionError {
                column: *column,
                message: format!("nested more than {MAX_NESTING} levels deep; simplify it"),
            });
        }
    }
    Ok(())
}

impl Expression {
    pub fn parse(text: &str) -> Result<Expression, ExpressionError> {
        let tokens = lexer::tokens(text)?;
        check_size(&tokens)?;
        let mut references = Vec::new();
        let mut columns = Vec::new();
        let root = parser::parse(
            &tokens,
            text.chars().count() + 1,
            &mut |r: BandRef, column| match references.iter().position(|x| *x == r) {
                Some(i) => i,
                None => {
                    references.push(r);
                    columns.push(column);
                    references.len() - 1
                }
            },
        )?;
        Ok(Expression {
            text: text.to_string(),
            root,
            references,
            columns,
        })
    }

    /// The bands the expression reads, in the order [`Expression::evaluate`] takes them.
    pub fn references(&self) -> &[BandRef] {
        &self.references
    }

    /// The references as `(scene, band)` pairs, in the same order.
    pub fn band_pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.references
            .iter()
            .map(|r| (r.scene.clone(), r.band.clone()))
    }

    /// Where each reference first appears (1-based column), parallel to `references`.
    pub fn reference_columns(&self) -> &[usize] {
        &self.columns
    }

    /// The comparisons of a reference for which `never_negative(i)` holds (linear power, say)
    /// with a negative constant, as (reference, constant): always false or always true, which
    /// usually means a dB threshold was written against linear values.
    pub fn negative_comparisons(
        &self,
        never_negative: impl Fn(usize) -> bool,
    ) -> Vec<(BandRef, f32)> {
        let mut found = Vec::new();
        let mut stack = vec![&self.root];
        while let Some(node) = stack.pop() {
            match node {
                Node::Binary(op, a, b) => {
                    if op.is_comparison() {
                        for (side, other) in [(a, b), (b, a)] {
                            if let (Node::Band(i), Some(v)) = (side.as_ref(), other.constant()) {
                                if v < 0.0 && never_negative(*i) {
                                    found.push((self.references[*i].clone(), v));
                                }
                            }
                        }
                    }
                    stack.push(a);
                    stack.push(b);
                }
                Node::Negate(n) => stack.push(n),
                Node::Call(_, args) => stack.extend(args),
                Node::Number(_) | Node::Band(_) => {}
            }
        }
        found
    }

    /// Evaluates over one tile: `bands[i]` holds the pixels of `references()[i]`.
    pub fn evaluate(&self, bands: &[&[f32]]) -> Vec<f32> {
        let len = bands.first().map_or(1, |b| b.len());
        eval::evaluate(&self.root, bands, len)
    }
}

#[cfg(test)]
mod tests;
