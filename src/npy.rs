//! numpy's `.npy` format, the binary form data crosses the sandbox boundary in: numpy reads a matrix
//! of floats without parsing text, and the harness returns predictions the same way.
//!
//! Only what the data path needs: writing little-endian float64 matrices and fixed-width unicode text
//! columns, and reading the three element types the harness sends back (float64, int64, bool) as the
//! JSON values the prediction checks already understand.

use serde_json::Value;

const MAGIC: &[u8] = b"\x93NUMPY";
/// numpy pads its headers so the data starts on a 64-byte boundary.
const ALIGN: usize = 64;

/// A C-ordered float64 matrix of `rows` × `cols` (`values` row by row).
pub fn f64_matrix(values: &[f64], rows: usize, cols: usize) -> Vec<u8> {
    debug_assert_eq!(values.len(), rows * cols);
    let mut out = header("<f8", &format!("({rows}, {cols})"));
    out.reserve(values.len() * 8);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// A 1-D array of text (numpy dtype `<U<width>`), one entry per cell. numpy drops trailing NUL
/// characters, which text read from a CSV file never holds.
pub fn text_column<S: AsRef<str>>(cells: &[S]) -> Vec<u8> {
    let width = cells.iter().map(|c| c.as_ref().chars().count()).max().unwrap_or(0).max(1);
    let mut out = header(&format!("<U{width}"), &format!("({},)", cells.len()));
    out.reserve(cells.len() * width * 4);
    for cell in cells {
        let mut n = 0;
        for ch in cell.as_ref().chars() {
            out.extend_from_slice(&(ch as u32).to_le_bytes());
            n += 1;
        }
        out.resize(out.len() + (width - n) * 4, 0);
    }
    out
}

/// The magic, version 1.0, and the header dictionary padded with spaces to the alignment.
fn header(descr: &str, shape: &str) -> Vec<u8> {
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let unpadded = MAGIC.len() + 2 + 2 + dict.len() + 1;
    dict.push_str(&" ".repeat((ALIGN - unpadded % ALIGN) % ALIGN));
    dict.push('\n');
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + dict.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Reads a 1-D or 2-D `.npy` array of float64, int64 or bool as nested JSON arrays, the way Python's
/// `json` would have written `array.tolist()`: non-finite floats become the text `nan`, `inf` or
/// `-inf`, so they are reported rather than lost.
pub fn read_as_json(bytes: &[u8]) -> Result<Value, String> {
    let (dict, data) = split_header(bytes)?;
    let descr = quoted_field(dict, "descr").ok_or("no 'descr' in the header")?;
    if field(dict, "fortran_order").is_some_and(|v| v.starts_with("True")) {
        return Err("a Fortran-ordered array".into());
    }
    let shape = shape_of(dict)?;
    let (size, element): (usize, fn(&[u8]) -> Value) = match descr {
        "<f8" => (8, |b| float_value(f64::from_le_bytes(b.try_into().expect("8 bytes")))),
        "<i8" => (8, |b| Value::from(i64::from_le_bytes(b.try_into().expect("8 bytes")))),
        "|b1" => (1, |b| Value::Bool(b[0] != 0)),
        other => return Err(format!("unsupported element type '{other}'")),
    };
    let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).ok_or("an impossible shape")?;
    if count.checked_mul(size) != Some(data.len()) {
        return Err(format!("{} bytes of data for shape {shape:?}", data.len()));
    }
    let mut items = data.chunks_exact(size).map(element);
    match shape.as_slice() {
        [_] => Ok(Value::Array(items.collect())),
        [rows, cols] => Ok(Value::Array(
            (0..*rows).map(|_| Value::Array(items.by_ref().take(*cols).collect())).collect(),
        )),
        _ => Err(format!("{}-dimensional data", shape.len())),
    }
}

fn float_value(v: f64) -> Value {
    if v.is_finite() {
        Value::from(v)
    } else if v.is_nan() {
        Value::String("nan".into())
    } else if v > 0.0 {
        Value::String("inf".into())
    } else {
        Value::String("-inf".into())
    }
}

/// The header dictionary's text and the data after it.
fn split_header(bytes: &[u8]) -> Result<(&str, &[u8]), String> {
    let rest = bytes.strip_prefix(MAGIC).ok_or("not a .npy array")?;
    let (len, start): (usize, usize) = match rest.first() {
        Some(1) if rest.len() >= 4 => (u16::from_le_bytes([rest[2], rest[3]]) as usize, 4),
        Some(2 | 3) if rest.len() >= 6 => (u32::from_le_bytes([rest[2], rest[3], rest[4], rest[5]]) as usize, 6),
        _ => return Err("an unknown .npy version".into()),
    };
    let end = start.checked_add(len).filter(|&e| e <= rest.len()).ok_or("a truncated .npy header")?;
    let dict = std::str::from_utf8(&rest[start..end]).map_err(|_| "a .npy header that is not text")?;
    Ok((dict, &rest[end..]))
}

/// The text after `'name':` in the header dictionary.
fn field<'a>(dict: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("'{name}':");
    let at = dict.find(&key)? + key.len();
    Some(dict[at..].trim_start())
}

fn quoted_field<'a>(dict: &'a str, name: &str) -> Option<&'a str> {
    let value = field(dict, name)?.strip_prefix('\'')?;
    Some(&value[..value.find('\'')?])
}

fn shape_of(dict: &str) -> Result<Vec<usize>, String> {
    let value = field(dict, "shape").and_then(|v| v.strip_prefix('(')).ok_or("no 'shape' in the header")?;
    let inner = &value[..value.find(')').ok_or("an unclosed shape")?];
    inner
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse().map_err(|_| format!("a shape entry '{d}'")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn array(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut out = header(descr, shape);
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn headers_are_aligned_as_numpy_writes_them() {
        for (descr, shape) in [("<f8", "(3, 2)"), ("<U7", "(100000,)")] {
            let h = header(descr, shape);
            assert_eq!(h.len() % ALIGN, 0);
            assert_eq!(*h.last().unwrap(), b'\n');
        }
    }

    #[test]
    fn a_matrix_reads_back_row_by_row() {
        let bytes = f64_matrix(&[1.0, 2.5, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY], 3, 2);
        assert_eq!(read_as_json(&bytes).unwrap(), json!([[1.0, 2.5], [-0.0, "nan"], ["inf", "-inf"]]));
    }

    #[test]
    fn integers_and_booleans_read_as_json_numbers_and_booleans() {
        let ints: Vec<u8> = [3i64, -1, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(read_as_json(&array("<i8", "(3,)", &ints)).unwrap(), json!([3, -1, 0]));
        assert_eq!(read_as_json(&array("|b1", "(2,)", &[1, 0])).unwrap(), json!([true, false]));
    }

    #[test]
    fn text_columns_are_fixed_width_utf32() {
        let bytes = text_column(&["a", "héé", ""]);
        let (dict, data) = split_header(&bytes).unwrap();
        assert_eq!(quoted_field(dict, "descr"), Some("<U3"));
        assert_eq!(shape_of(dict).unwrap(), vec![3]);
        assert_eq!(data.len(), 3 * 3 * 4);
        assert_eq!(&data[12..16], &('h' as u32).to_le_bytes());
    }

    #[test]
    fn malformed_arrays_are_refused_with_a_reason() {
        assert!(read_as_json(b"junk").unwrap_err().contains("not a .npy"));
        let short = array("<f8", "(3,)", &[0; 16]);
        assert!(read_as_json(&short).unwrap_err().contains("16 bytes"));
        assert!(read_as_json(&array("<c16", "(1,)", &[0; 16])).unwrap_err().contains("unsupported"));
        assert!(read_as_json(&array("<f8", "(1, 1, 1)", &[0; 8])).unwrap_err().contains("3-dimensional"));
    }
}
