//! Profiles as Parquet rows, for query engines beyond one machine.
//!
//! One row per sample and sample type ([`SCHEMA`]): the source it came
//! from, the sample type and unit, the value, the stack (leaf first, every
//! inlined frame its own element, as pprof expands them), the string and
//! numeric labels as maps, and the profile's time and duration. DuckDB,
//! DataFusion, Spark, ClickHouse and Trino read the file as it is; the
//! README gives the SQL for `top`'s flat column, for `tags`, and for
//! comparing two groups of profiles.
//!
//! Rows are buffered per row group ([`ROWS_PER_GROUP`]) and written with
//! the `parquet` crate's column writers (no Arrow layer), compressed with
//! Snappy; a [`ParquetWriter`] takes profiles one at a time, so exporting
//! many inputs holds one profile and one row group in memory.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use crate::model::{Profile, NONE};

/// The table's schema, in Parquet's message syntax.
pub const SCHEMA: &str = "
message pprofx_sample {
  REQUIRED BYTE_ARRAY source (UTF8);
  REQUIRED BYTE_ARRAY sample_type (UTF8);
  REQUIRED BYTE_ARRAY unit (UTF8);
  REQUIRED INT64 value;
  REQUIRED group stack (LIST) {
    REPEATED group list {
      REQUIRED group element {
        REQUIRED BYTE_ARRAY function (UTF8);
        REQUIRED BYTE_ARRAY file (UTF8);
        REQUIRED INT64 line;
      }
    }
  }
  REQUIRED group labels (MAP) {
    REPEATED group key_value {
      REQUIRED BYTE_ARRAY key (UTF8);
      REQUIRED BYTE_ARRAY value (UTF8);
    }
  }
  REQUIRED group num_labels (MAP) {
    REPEATED group key_value {
      REQUIRED BYTE_ARRAY key (UTF8);
      REQUIRED INT64 value;
    }
  }
  REQUIRED INT64 time_nanos;
  REQUIRED INT64 duration_nanos;
}
";

/// Rows buffered before a row group is written.
pub const ROWS_PER_GROUP: usize = 256 * 1024;

/// A repeated column's values with their levels (max definition and
/// repetition level 1: an empty list is one entry with level 0).
#[derive(Default)]
struct Repeated<T> {
    values: Vec<T>,
    def: Vec<i16>,
    rep: Vec<i16>,
}

impl<T> Repeated<T> {
    /// Adds one row's list; `items` yields its elements.
    fn push_row(&mut self, items: impl IntoIterator<Item = T>) {
        let before = self.values.len();
        for (i, v) in items.into_iter().enumerate() {
            self.values.push(v);
            self.def.push(1);
            self.rep.push(i16::from(i > 0));
        }
        if self.values.len() == before {
            self.def.push(0);
            self.rep.push(0);
        }
    }
}

/// The columns of the rows not yet written, in schema leaf order.
#[derive(Default)]
struct Columns {
    source: Vec<ByteArray>,
    sample_type: Vec<ByteArray>,
    unit: Vec<ByteArray>,
    value: Vec<i64>,
    function: Repeated<ByteArray>,
    file: Repeated<ByteArray>,
    line: Repeated<i64>,
    label_key: Repeated<ByteArray>,
    label_value: Repeated<ByteArray>,
    num_key: Repeated<ByteArray>,
    num_value: Repeated<i64>,
    time_nanos: Vec<i64>,
    duration_nanos: Vec<i64>,
}

impl Columns {
    fn rows(&self) -> usize {
        self.value.len()
    }

    fn clear(&mut self) {
        *self = Columns::default();
    }
}

/// Writes profiles as Parquet rows to `W`.
pub struct ParquetWriter<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    cols: Columns,
    rows: u64,
}

/// Why a Parquet file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("writing Parquet: {0}")]
pub struct ExportError(#[from] ParquetError);

impl<W: Write + Send> ParquetWriter<W> {
    /// A writer of [`SCHEMA`] rows into `out`.
    pub fn new(out: W) -> Result<Self, ExportError> {
        let schema = Arc::new(parse_message_type(SCHEMA)?);
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("pprofx {}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(ParquetWriter {
            writer: SerializedFileWriter::new(out, schema, Arc::new(props))?,
            cols: Columns::default(),
            rows: 0,
        })
    }

    /// Rows written or buffered so far.
    pub fn rows(&self) -> u64 {
        self.rows + self.cols.rows() as u64
    }

    /// Adds one row per sample and sample type of `p`, from `source`.
    pub fn add_profile(&mut self, source: &str, p: &Profile) -> Result<(), ExportError> {
        let types: Vec<(ByteArray, ByteArray)> = p
            .sample_types
            .iter()
            .map(|t| (p.str(t.ty).into(), p.str(t.unit).into()))
            .collect();
        let source: ByteArray = source.into();
        let n = types.len();
        // Every frame of a location, innermost first (pprof's order).
        let frame = |loc: u32| -> Vec<(ByteArray, ByteArray, i64)> {
            let lines = p.locations.lines(loc);
            if lines.is_empty() {
                let addr = p.locations.address[loc as usize];
                return vec![(format!("{addr:#x}").as_str().into(), "".into(), 0)];
            }
            lines
                .iter()
                .map(|l| {
                    let (name, file) = match p.functions.get(l.function as usize) {
                        Some(f) if l.function != NONE => (p.str(f.name), p.str(f.filename)),
                        _ => ("", ""),
                    };
                    (name.into(), file.into(), l.line)
                })
                .collect()
        };
        for s in 0..p.samples.len() {
            let frames: Vec<(ByteArray, ByteArray, i64)> = p
                .samples
                .stack(s)
                .iter()
                .flat_map(|&loc| frame(loc))
                .collect();
            let mut strs: Vec<(&str, String)> = Vec::new();
            let mut nums: Vec<(&str, i64)> = Vec::new();
            for l in p.samples.labels(s) {
                let key = p.str(l.key);
                if l.is_numeric() {
                    nums.push((key, l.num));
                } else if l.str != 0 {
                    // A map keeps one value per key: several values are joined.
                    match strs.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, v)) => {
                            v.push(',');
                            v.push_str(p.str(l.str));
                        }
                        None => strs.push((key, p.str(l.str).to_string())),
                    }
                }
            }
            for (t, (ty, unit)) in types.iter().enumerate() {
                let c = &mut self.cols;
                c.source.push(source.clone());
                c.sample_type.push(ty.clone());
                c.unit.push(unit.clone());
                c.value.push(p.samples.values[s * n + t]);
                c.function.push_row(frames.iter().map(|f| f.0.clone()));
                c.file.push_row(frames.iter().map(|f| f.1.clone()));
                c.line.push_row(frames.iter().map(|f| f.2));
                c.label_key
                    .push_row(strs.iter().map(|(k, _)| ByteArray::from(*k)));
                c.label_value
                    .push_row(strs.iter().map(|(_, v)| ByteArray::from(v.as_str())));
                c.num_key
                    .push_row(nums.iter().map(|(k, _)| ByteArray::from(*k)));
                c.num_value.push_row(nums.iter().map(|(_, v)| *v));
                c.time_nanos.push(p.time_nanos);
                c.duration_nanos.push(p.duration_nanos);
            }
            if self.cols.rows() >= ROWS_PER_GROUP {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush(&mut self) -> Result<(), ExportError> {
        if self.cols.rows() == 0 {
            return Ok(());
        }
        let c = &self.cols;
        let mut rg = self.writer.next_row_group()?;
        let mut column = 0;
        while let Some(mut w) = rg.next_column()? {
            match column {
                0 => bytes(&mut w, &c.source)?,
                1 => bytes(&mut w, &c.sample_type)?,
                2 => bytes(&mut w, &c.unit)?,
                3 => ints(&mut w, &c.value)?,
                4 => repeated_bytes(&mut w, &c.function)?,
                5 => repeated_bytes(&mut w, &c.file)?,
                6 => repeated_ints(&mut w, &c.line)?,
                7 => repeated_bytes(&mut w, &c.label_key)?,
                8 => repeated_bytes(&mut w, &c.label_value)?,
                9 => repeated_bytes(&mut w, &c.num_key)?,
                10 => repeated_ints(&mut w, &c.num_value)?,
                11 => ints(&mut w, &c.time_nanos)?,
                12 => ints(&mut w, &c.duration_nanos)?,
                _ => {
                    return Err(ParquetError::General("more columns than the schema".into()).into())
                }
            }
            w.close()?;
            column += 1;
        }
        rg.close()?;
        self.rows += self.cols.rows() as u64;
        self.cols.clear();
        Ok(())
    }

    /// Writes the last row group and the footer; returns the output.
    pub fn finish(mut self) -> Result<W, ExportError> {
        self.flush()?;
        Ok(self.writer.into_inner()?)
    }
}

type ColumnWriter<'a> = parquet::file::writer::SerializedColumnWriter<'a>;

fn bytes(w: &mut ColumnWriter<'_>, v: &[ByteArray]) -> Result<(), ParquetError> {
    w.typed::<ByteArrayType>()
        .write_batch(v, None, None)
        .map(|_| ())
}

fn ints(w: &mut ColumnWriter<'_>, v: &[i64]) -> Result<(), ParquetError> {
    w.typed::<Int64Type>()
        .write_batch(v, None, None)
        .map(|_| ())
}

fn repeated_bytes(w: &mut ColumnWriter<'_>, r: &Repeated<ByteArray>) -> Result<(), ParquetError> {
    w.typed::<ByteArrayType>()
        .write_batch(&r.values, Some(&r.def), Some(&r.rep))
        .map(|_| ())
}

fn repeated_ints(w: &mut ColumnWriter<'_>, r: &Repeated<i64>) -> Result<(), ParquetError> {
    w.typed::<Int64Type>()
        .write_batch(&r.values, Some(&r.def), Some(&r.rep))
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::{Field, List, Row, RowAccessor};

    fn tiny() -> Profile {
        use crate::model::proto;
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let p = proto::Profile {
            string_table: s(&[
                "",
                "samples",
                "count",
                "cpu",
                "nanoseconds",
                "main.a",
                "a.go",
                "main.b",
                "k",
                "v",
                "bytes",
            ]),
            sample_type: vec![
                proto::ValueType { r#type: 1, unit: 2 },
                proto::ValueType { r#type: 3, unit: 4 },
            ],
            function: vec![
                proto::Function {
                    id: 1,
                    name: 5,
                    filename: 6,
                    ..Default::default()
                },
                proto::Function {
                    id: 2,
                    name: 7,
                    filename: 6,
                    ..Default::default()
                },
            ],
            location: vec![proto::Location {
                id: 1,
                line: vec![
                    proto::Line {
                        function_id: 1,
                        line: 3,
                        ..Default::default()
                    },
                    proto::Line {
                        function_id: 2,
                        line: 9,
                        ..Default::default()
                    },
                ],
                ..Default::default()
            }],
            sample: vec![
                proto::Sample {
                    location_id: vec![1],
                    value: vec![2, 20],
                    label: vec![
                        proto::Label {
                            key: 8,
                            str: 9,
                            ..Default::default()
                        },
                        proto::Label {
                            key: 10,
                            num: 64,
                            ..Default::default()
                        },
                    ],
                },
                proto::Sample {
                    location_id: vec![],
                    value: vec![1, 10],
                    label: vec![],
                },
            ],
            time_nanos: 7,
            ..Default::default()
        };
        use prost::Message;
        crate::decode::protobuf::decode(&p.encode_to_vec()).unwrap()
    }

    fn rows(bytes: Vec<u8>) -> Vec<Row> {
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, &bytes).unwrap();
        let r = SerializedFileReader::new(f).unwrap();
        r.get_row_iter(None).unwrap().map(|r| r.unwrap()).collect()
    }

    fn list(r: &Row, name: &str) -> List {
        match r.get_column_iter().find(|(n, _)| *n == name).unwrap().1 {
            Field::ListInternal(l) => l.clone(),
            f => panic!("{name}: {f:?}"),
        }
    }

    #[test]
    fn rows_read_back() {
        let mut w = ParquetWriter::new(Vec::new()).unwrap();
        w.add_profile("x.pb.gz", &tiny()).unwrap();
        assert_eq!(w.rows(), 4);
        let rows = rows(w.finish().unwrap());
        assert_eq!(rows.len(), 4, "two samples × two sample types");
        let r = &rows[1];
        assert_eq!(r.get_string(0).unwrap(), "x.pb.gz");
        assert_eq!(r.get_string(1).unwrap(), "cpu");
        assert_eq!(r.get_long(3).unwrap(), 20);
        let stack = list(r, "stack");
        assert_eq!(stack.len(), 2, "the inlined frame is its own element");
        let text = format!("{stack:?}");
        assert!(
            text.find("main.a").unwrap() < text.find("main.b").unwrap(),
            "leaf first: {text}"
        );
        assert_eq!(r.get_long(7).unwrap(), 7, "time_nanos");
        // The second sample has no frames and no labels.
        assert_eq!(list(&rows[3], "stack").len(), 0);
    }
}
