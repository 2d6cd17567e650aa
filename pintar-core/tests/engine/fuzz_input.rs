//! Whatever the bytes, the engine answers with a report or an error, never a panic.

use pintar_core::analytics::{InputFormat, analyze_bytes};
use pintar_core::options::AnalysisOptions;
use proptest::prelude::*;

fn opts() -> AnalysisOptions {
    AnalysisOptions {
        horizon: Some(3),
        ..AnalysisOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _timing = crate::timing::shared();
        let _ = analyze_bytes(&bytes, InputFormat::Csv, &opts());
        let _ = analyze_bytes(&bytes, InputFormat::Json, &opts());
    }

    #[test]
    fn csv_like_text_never_panics(
        rows in proptest::collection::vec(
            (
                prop_oneof![
                    "[0-9]{4}-[0-9]{1,2}(-[0-9]{1,2})?",
                    "[0-9]{4}(-?Q[0-9])?",
                    "[a-zA-Z0-9 /.:-]{0,12}",
                ],
                "[a-c]{0,2}",
                prop_oneof!["-?[0-9]{1,9}(\\.[0-9]{0,3})?", "[0-9,. eE+-]{0,10}", "NA|null|inf|NaN"],
            ),
            0..60,
        )
    ) {
        let _timing = crate::timing::shared();
        let mut text = String::from("date,category,value\n");
        for (d, c, v) in rows {
            text.push_str(&format!("{d},{c},{v}\n"));
        }
        let _ = analyze_bytes(text.as_bytes(), InputFormat::Csv, &opts());
    }

    #[test]
    fn json_like_records_never_panic(
        values in proptest::collection::vec((0u32..4000, prop::option::of(-1e12f64..1e12)), 0..50)
    ) {
        let _timing = crate::timing::shared();
        let records: Vec<String> = values
            .iter()
            .map(|(d, v)| format!(
                r#"{{"date":"{}-{:02}","value":{}}}"#,
                1900 + d / 12,
                d % 12 + 1,
                v.map_or("null".to_string(), |x| x.to_string())
            ))
            .collect();
        let text = format!("[{}]", records.join(","));
        let _ = analyze_bytes(text.as_bytes(), InputFormat::Json, &opts());
    }
}
