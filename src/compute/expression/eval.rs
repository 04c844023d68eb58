//! Whole-buffer evaluation: each node yields a scalar or a tile-sized buffer; each operation
//! is one tight loop over all pixels.

use super::parser::{BinaryOp, Function, Node};

enum Value {
    Scalar(f32),
    Buffer(Vec<f32>),
}

impl Value {
    fn at(&self, i: usize) -> f32 {
        match self {
            Value::Scalar(v) => *v,
            Value::Buffer(b) => b[i],
        }
    }
}

pub(super) fn evaluate(root: &Node, bands: &[&[f32]], len: usize) -> Vec<f32> {
    let clean = |v: f32| if v.is_finite() { v } else { f32::NAN };
    match node(root, bands, len) {
        Value::Scalar(v) => vec![clean(v); len],
        Value::Buffer(mut b) => {
            b.iter_mut().for_each(|v| *v = clean(*v));
            b
        }
    }
}

fn map2(a: Value, b: Value, f: impl Fn(f32, f32) -> f32) -> Value {
    match (a, b) {
        (Value::Scalar(a), Value::Scalar(b)) => Value::Scalar(f(a, b)),
        (Value::Buffer(mut a), b) => {
            a.iter_mut()
                .enumerate()
                .for_each(|(i, x)| *x = f(*x, b.at(i)));
            Value::Buffer(a)
        }
        (a, Value::Buffer(mut b)) => {
            b.iter_mut()
                .enumerate()
                .for_each(|(i, y)| *y = f(a.at(i), *y));
            Value::Buffer(b)
        }
    }
}

fn map1(a: Value, f: impl Fn(f32) -> f32) -> Value {
    match a {
        Value::Scalar(v) => Value::Scalar(f(v)),
        Value::Buffer(mut b) => {
            b.iter_mut().for_each(|v| *v = f(*v));
            Value::Buffer(b)
        }
    }
}

/// 1 or 0, NaN when either side is nodata.
fn truth(a: f32, b: f32, holds: bool) -> f32 {
    if a.is_nan() || b.is_nan() {
        f32::NAN
    } else if holds {
        1.0
    } else {
        0.0
    }
}

fn node(n: &Node, bands: &[&[f32]], len: usize) -> Value {
    match n {
        Node::Number(v) => Value::Scalar(*v),
        Node::Band(i) => Value::Buffer(bands[*i].to_vec()),
        Node::Negate(a) => map1(node(a, bands, len), |v| -v),
        Node::Binary(op, a, b) => {
            let (a, b) = (node(a, bands, len), node(b, bands, len));
            match op {
                BinaryOp::Add => map2(a, b, |a, b| a + b),
                BinaryOp::Sub => map2(a, b, |a, b| a - b),
                BinaryOp::Mul => map2(a, b, |a, b| a * b),
                BinaryOp::Div => map2(a, b, |a, b| if b == 0.0 { f32::NAN } else { a / b }),
                BinaryOp::Lt => map2(a, b, |a, b| truth(a, b, a < b)),
                BinaryOp::Le => map2(a, b, |a, b| truth(a, b, a <= b)),
                BinaryOp::Gt => map2(a, b, |a, b| truth(a, b, a > b)),
                BinaryOp::Ge => map2(a, b, |a, b| truth(a, b, a >= b)),
                BinaryOp::Eq => map2(a, b, |a, b| truth(a, b, a == b)),
                BinaryOp::Ne => map2(a, b, |a, b| truth(a, b, a != b)),
                BinaryOp::And => map2(a, b, |a, b| truth(a, b, a != 0.0 && b != 0.0)),
                BinaryOp::Or => map2(a, b, |a, b| truth(a, b, a != 0.0 || b != 0.0)),
            }
        }
        Node::Call(f, args) => {
            let mut values: Vec<Value> = args.iter().map(|a| node(a, bands, len)).collect();
            match f {
                Function::Abs => map1(values.remove(0), f32::abs),
                Function::Sqrt => map1(
                    values.remove(0),
                    |v| if v < 0.0 { f32::NAN } else { v.sqrt() },
                ),
                Function::Log10 => map1(values.remove(0), |v| {
                    if v <= 0.0 {
                        f32::NAN
                    } else {
                        v.log10()
                    }
                }),
                Function::Db => map1(values.remove(0), |v| {
                    if v <= 0.0 {
                        f32::NAN
                    } else {
                        10.0 * v.log10()
                    }
                }),
                Function::Min | Function::Max => {
                    let pick = if *f == Function::Min {
                        f32::min
                    } else {
                        f32::max
                    };
                    let (a, b) = (values.remove(0), values.remove(0));
                    map2(a, b, |a, b| {
                        if a.is_nan() || b.is_nan() {
                            f32::NAN
                        } else {
                            pick(a, b)
                        }
                    })
                }
                Function::Where => {
                    let (c, a, b) = (values.remove(0), values.remove(0), values.remove(0));
                    let pick = |i: usize| {
                        let c = c.at(i);
                        if c.is_nan() {
                            f32::NAN
                        } else if c != 0.0 {
                            a.at(i)
                        } else {
                            b.at(i)
                        }
                    };
                    match (&c, &a, &b) {
                        (Value::Scalar(_), Value::Scalar(_), Value::Scalar(_)) => {
                            Value::Scalar(pick(0))
                        }
                        _ => Value::Buffer((0..len).map(pick).collect()),
                    }
                }
            }
        }
    }
}
