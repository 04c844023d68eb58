//! Recursive descent, lowest precedence first: `or`, `and`, comparison, `+ -`, `* /`,
//! unary minus, primary.

use super::lexer::{Located, Token};
use super::{BandRef, ExpressionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Abs,
    Sqrt,
    Log10,
    /// 10·log10(x): linear power to decibels.
    Db,
    Min,
    Max,
    Where,
}

impl BinaryOp {
    pub(super) fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne
        )
    }
}

impl Function {
    fn named(name: &str) -> Option<(Function, usize)> {
        Some(match name {
            "abs" => (Function::Abs, 1),
            "sqrt" => (Function::Sqrt, 1),
            "log10" => (Function::Log10, 1),
            "db" => (Function::Db, 1),
            "min" => (Function::Min, 2),
            "max" => (Function::Max, 2),
            "where" => (Function::Where, 3),
            _ => return None,
        })
    }
}

/// The expression tree. `Band(i)` is the i-th distinct reference.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Number(f32),
    Band(usize),
    Negate(Box<Node>),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
}

impl Node {
    /// The value of a tree without band references, if it is one.
    pub(super) fn constant(&self) -> Option<f32> {
        match self {
            Node::Number(v) => Some(*v),
            Node::Band(_) | Node::Call(..) => None,
            Node::Negate(n) => n.constant().map(|v| -v),
            Node::Binary(op, a, b) => {
                let (a, b) = (a.constant()?, b.constant()?);
                Some(match op {
                    BinaryOp::Add => a + b,
                    BinaryOp::Sub => a - b,
                    BinaryOp::Mul => a * b,
                    BinaryOp::Div => a / b,
                    _ => return None,
                })
            }
        }
    }
}

type Resolve<'a> = dyn FnMut(BandRef, usize) -> usize + 'a;

struct Parser<'a, 'r> {
    tokens: &'a [Located],
    pos: usize,
    end_column: usize,
    resolve: &'a mut Resolve<'r>,
}

pub(super) fn parse(
    tokens: &[Located],
    end_column: usize,
    resolve: &mut Resolve<'_>,
) -> Result<Node, ExpressionError> {
    if tokens.is_empty() {
        return Err(ExpressionError {
            column: 1,
            message: "empty expression".into(),
        });
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        end_column,
        resolve,
    };
    let node = p.or()?;
    if let Some((token, column)) = p.tokens.get(p.pos) {
        return Err(ExpressionError {
            column: *column,
            message: format!("unexpected {}", describe(token)),
        });
    }
    Ok(node)
}

fn describe(token: &Token) -> String {
    match token {
        Token::Number(v) => format!("number {v}"),
        Token::Name(n) => format!("`{n}`"),
        Token::Symbol(s) => format!("`{s}`"),
    }
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn column(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.end_column, |(_, c)| *c)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ExpressionError> {
        Err(ExpressionError {
            column: self.column(),
            message: message.into(),
        })
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        if self.peek()
            == Some(&Token::Symbol(match symbol {
                "(" => "(",
                ")" => ")",
                "," => ",",
                _ => return false,
            }))
        {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Name(n)) if n == word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn or(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.and()?;
        while self.eat_keyword("or") {
            left = Node::Binary(BinaryOp::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.comparison()?;
        while self.eat_keyword("and") {
            left = Node::Binary(BinaryOp::And, Box::new(left), Box::new(self.comparison()?));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Node, ExpressionError> {
        let left = self.additive()?;
        let op = match self.peek() {
            Some(Token::Symbol("<")) => BinaryOp::Lt,
            Some(Token::Symbol("<=")) => BinaryOp::Le,
            Some(Token::Symbol(">")) => BinaryOp::Gt,
            Some(Token::Symbol(">=")) => BinaryOp::Ge,
            Some(Token::Symbol("==")) => BinaryOp::Eq,
            Some(Token::Symbol("!=")) => BinaryOp::Ne,
            _ => return Ok(left),
        };
        self.pos += 1;
        Ok(Node::Binary(op, Box::new(left), Box::new(self.additive()?)))
    }

    fn additive(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Some(Token::Symbol("+")) => BinaryOp::Add,
                Some(Token::Symbol("-")) => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Node::Binary(op, Box::new(left), Box::new(self.multiplicative()?));
        }
    }

    fn multiplicative(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Token::Symbol("*")) => BinaryOp::Mul,
                Some(Token::Symbol("/")) => BinaryOp::Div,
                _ => return Ok(left),
            };
            self.pos += 1;
            let column = self.column();
            let right = self.unary()?;
            if op == BinaryOp::Div && right.constant() == Some(0.0) {
                return Err(ExpressionError {
                    column,
                    message: "division by a constant zero".into(),
                });
            }
            left = Node::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Node, ExpressionError> {
        if self.peek() == Some(&Token::Symbol("-")) {
            self.pos += 1;
            return Ok(Node::Negate(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, ExpressionError> {
        let column = self.column();
        match self.tokens.get(self.pos).map(|(t, _)| t.clone()) {
            None => self.error("expression ends too early"),
            Some(Token::Number(v)) => {
                self.pos += 1;
                Ok(Node::Number(v as f32))
            }
            Some(Token::Symbol("(")) => {
                self.pos += 1;
                let inner = self.or()?;
                if !self.eat_symbol(")") {
                    return self.error("missing `)`");
                }
                Ok(inner)
            }
            Some(Token::Name(name)) => {
                self.pos += 1;
                if self.eat_symbol("(") {
                    return self.call(&name, column);
                }
                match name.split_once('.') {
                    Some((scene, band))
                        if !scene.is_empty() && !band.is_empty() && !band.contains('.') =>
                    {
                        let r = BandRef {
                            scene: scene.to_string(),
                            band: band.to_string(),
                        };
                        Ok(Node::Band((self.resolve)(r, column)))
                    }
                    _ => Err(ExpressionError {
                        column,
                        message: format!(
                            "`{name}` is not a band; write `scene.band`, e.g. `post.nir`"
                        ),
                    }),
                }
            }
            Some(token) => self.error(format!("unexpected {}", describe(&token))),
        }
    }

    fn call(&mut self, name: &str, column: usize) -> Result<Node, ExpressionError> {
        let Some((function, arity)) = Function::named(name) else {
            return Err(ExpressionError {
                column,
                message: format!(
                    "unknown function `{name}`; known: abs, sqrt, log10, min, max, where"
                ),
            });
        };
        let mut args = Vec::new();
        if !self.eat_symbol(")") {
            loop {
                args.push(self.or()?);
                if self.eat_symbol(")") {
                    break;
                }
                if !self.eat_symbol(",") {
                    return self.error("expected `,` or `)`");
                }
            }
        }
        if args.len() != arity {
            return Err(ExpressionError {
                column,
                message: format!("`{name}` takes {arity} argument(s), got {}", args.len()),
            });
        }
        Ok(Node::Call(function, args))
    }
}
