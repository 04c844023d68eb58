//! Band-maths expressions for what the index catalogue lacks, e.g.
//! `(post.nir - post.swir2) / (post.nir + post.swir2)`.
//!
//! A real parser (no eval): numbers, `scene.band` references, `+ - * /`, unary minus,
//! parentheses, comparisons (`< <= > >= == !=`, giving 1 or 0), `and`, `or`, and the functions
//! `abs sqrt log10 min max where(cond, a, b)`. Evaluation works on whole tile buffers, one
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

impl Expression {
    pub fn parse(text: &str) -> Result<Expression, ExpressionError> {
        let tokens = lexer::tokens(text)?;
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

    /// Evaluates over one tile: `bands[i]` holds the pixels of `references()[i]`.
    pub fn evaluate(&self, bands: &[&[f32]]) -> Vec<f32> {
        let len = bands.first().map_or(1, |b| b.len());
        eval::evaluate(&self.root, bands, len)
    }
}

#[cfg(test)]
mod tests;
