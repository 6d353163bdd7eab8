//! Every kind of bad record, in the real column formats of the national list, the OTP
//! directory, the DHCS list and the FindTreatment API, through the real pipeline: each problem
//! names its source, record, field and reason, and the good rows still go through.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iop_core::{Field, Listing};
use iop_geo::Geocoder;
use iop_ingest::{Error, Ingest, IngestOptions, Problem, ProblemKind, ingest};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn geo() -> &'static Geocoder {
    static GEO: OnceLock<Geocoder> = OnceLock::new();
    GEO.get_or_init(|| Geocoder::load(&data_dir()).expect("the shipped geo data loads"))
}

fn run(dir: &Path, file: &str, text: &str) -> Ingest {
    let path = dir.join(file);
    std::fs::write(&path, text).expect("fixture written");
    let opts = IngestOptions { data_dir: data_dir(), sources: vec![path], progress: false };
    ingest(&opts, geo()).expect("the fixture ingests")
}

/// The problems of `record`, as (kind, field, reason).
fn problems(run: &Ingest, record: usize) -> Vec<&Problem> {
    run.summary.problems.iter().filter(|p| p.record == record).collect()
}

/// The one problem of `record` on `field`.
fn problem<'a>(run: &'a Ingest, record: usize, field: &str) -> &'a Problem {
    let found: Vec<_> = problems(run, record).into_iter().filter(|p| p.field == field).collect();
    assert_eq!(found.len(), 1, "record {record} field {field}: {found:?}");
    found[0]
}

fn listing<'a>(run: &'a Ingest, name: &str) -> &'a Listing {
    run.listings
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("{name} did not go through"))
}

const NATIONAL_HEADER: &str =
    "name1,name2,street1,street2,city,state,zip,zip4,county,latitude,longitude";

#[test]
fn national_list_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = [
        // 1: a real row, untouched.
        "A New Beginning,,122 Helton Court,,Florence,AL,35630,1465,Lauderdale,34.832909,-87.66639",
        // 2: a ZIP with a letter.
        "Aletheia House,,912 JL Chestnut Jr Boulevard,,Selma,AL,3670X,,Dallas,32.4146865,-87.0259873",
        // 3: latitude and longitude swapped (a real Tuscaloosa point).
        "Indian Rivers Mental Health Center,,2209 9th Street,,Tuscaloosa,AL,35401,,Tuscaloosa,-87.5643812,33.2061835",
        // 4: (0, 0).
        "Hope Harbor,,1 Main Street,,Charlottesville,VA,22902,,,0,0",
        // 5: a point in the Atlantic.
        "Seaside Sobriety,,2 Main Street,,Charlottesville,VA,22902,,,30.0,-60.0",
        // 6: a state that is no state, with a ZIP that tells it.
        "Quixote Clinic,,3 Main Street,,Richmond,XX,23219,,,37.5407,-77.4360",
        // 7: the state written out.
        "Zephyr Wellness,,4 Main Street,,Richmond,Virginia,23219,,,37.5407,-77.4360",
        // 8: no name.
        ",Program,5 Main Street,,Richmond,VA,23219,,,37.5407,-77.4360",
        // 9: a bad state and nothing else to place it.
        "Nowhere Clinic,,,,,ZZ,,,,,",
        // 10: only a city.
        "Cityonly Counseling,,,,Charlottesville,VA,,,,,",
        // 11: a Charlottesville address with a point in Columbus, Ohio.
        "Faraway Point,,6 Main Street,,Charlottesville,VA,22902,,,39.9612,-82.9988",
        // 12: coordinates out of range.
        "Outrange Therapy,,7 Main Street,,Charlottesville,VA,22902,,,95,-200",
        // 13: a ZIP that does not exist.
        "Ghostzip Recovery,,8 Main Street,,Charlottesville,VA,99999,,,38.0293,-78.4767",
        // 14: a ZIP that lost its leading zero.
        "Waterbury Lostzero,,9 Main Street,,Waterbury,CT,6708,,,41.5582,-73.0515",
        // 15: a placeholder street.
        "Akeela House,,- - -,,Anchorage,AK,99503,,,61.1877,-149.889",
        // 16: no state at all; the point tells it.
        "Stateless Services,,10 Main Street,,Richmond,,,,,37.5407,-77.4360",
        // 17: no coordinates, a known ZIP.
        "Ziponly Recovery,,11 Main Street,,Charlottesville,VA,22902,,,,",
    ];
    let text = format!("{NATIONAL_HEADER}\n{}\n", rows.join("\n"));
    let run = run(dir.path(), "national.csv", &text);
    let src = "samhsa-locator-2021";
    assert!(run.summary.problems.iter().all(|p| p.source == src));
    let row = &run.summary.sources[0];
    assert_eq!((row.read, row.rejected, row.listings), (17, 2, 15));
    assert_eq!(run.listings.len(), 15, "no two of these are one facility");

    // 1: untouched, precise.
    assert!(problems(&run, 1).is_empty(), "{:?}", problems(&run, 1));
    let good = listing(&run, "A New Beginning");
    assert_eq!(good.address.zip.as_deref(), Some("35630"));
    assert_eq!(
        good.location.map(|l| (l.lat, l.lon, l.approximate)),
        Some((34.832909, -87.66639, false))
    );

    let p = problem(&run, 2, "address.zip");
    assert_eq!(p.kind, ProblemKind::Repaired);
    assert!(p.reason.contains("\"3670X\" is not a ZIP code"), "{}", p.reason);
    assert_eq!(listing(&run, "Aletheia House").address.zip, None);

    let p = problem(&run, 3, "location");
    assert!(p.reason.contains("swapped"), "{}", p.reason);
    let l = listing(&run, "Indian Rivers Mental Health Center").location.expect("placed");
    assert_eq!((l.lat, l.lon, l.approximate), (33.2061835, -87.5643812, false));

    let p = problem(&run, 4, "location");
    assert!(p.reason.starts_with("(0, 0) is a placeholder"), "{}", p.reason);
    let zip_centre = geo().zip("22902").expect("22902 is known");
    let l = listing(&run, "Hope Harbor").location.expect("placed at the ZIP");
    assert_eq!((l.lat, l.lon, l.approximate), (zip_centre.lat, zip_centre.lon, true));

    let p = problem(&run, 5, "location");
    assert!(p.reason.contains("outside the US"), "{}", p.reason);
    assert!(listing(&run, "Seaside Sobriety").location.expect("placed").approximate);

    let p = problem(&run, 6, "address.state");
    assert_eq!(
        p.reason,
        "state \"XX\" is not a US state or territory code: set to VA from ZIP 23219"
    );
    assert_eq!(listing(&run, "Quixote Clinic").address.state.as_deref(), Some("VA"));

    let p = problem(&run, 7, "address.state");
    assert_eq!(p.reason, "state name \"Virginia\" replaced by its code \"VA\"");
    assert_eq!(listing(&run, "Zephyr Wellness").address.state.as_deref(), Some("VA"));

    let p = problem(&run, 8, "name1");
    assert_eq!((p.kind, p.reason.as_str()), (ProblemKind::Rejected, "facility name is empty"));

    let p = problem(&run, 9, "address.state");
    assert_eq!(p.kind, ProblemKind::Rejected);
    assert!(p.reason.contains("\"ZZ\"") && p.reason.contains("neither a ZIP nor coordinates"));

    assert!(problems(&run, 10).is_empty());
    let city = geo().city("Charlottesville", "VA").expect("a known city");
    let l = listing(&run, "Cityonly Counseling").location.expect("placed at the city");
    assert_eq!((l.lat, l.lon, l.approximate), (city.lat, city.lon, true));

    let p = problem(&run, 11, "location");
    assert!(p.reason.contains("is in OH") && p.reason.contains("ZIP 22902"), "{}", p.reason);
    let l = listing(&run, "Faraway Point").location.expect("placed");
    assert_eq!((l.lat, l.lon, l.approximate), (zip_centre.lat, zip_centre.lon, true));

    let p = problem(&run, 12, "location");
    assert!(p.reason.contains("out of range"), "{}", p.reason);
    assert!(listing(&run, "Outrange Therapy").location.expect("placed").approximate);

    let p = problem(&run, 13, "address.zip");
    assert_eq!(p.reason, "ZIP 99999 is not a known ZIP code: dropped");
    let l = listing(&run, "Ghostzip Recovery");
    assert_eq!(l.address.zip, None);
    assert!(!l.location.expect("its own point").approximate);

    let p = problem(&run, 14, "zip");
    assert_eq!(p.kind, ProblemKind::Repaired);
    assert!(p.reason.contains("padded to \"06708\""), "{}", p.reason);
    assert_eq!(listing(&run, "Waterbury Lostzero").address.zip.as_deref(), Some("06708"));

    let p = problem(&run, 15, "address.street");
    assert_eq!(p.reason, "street \"- - -\" is a placeholder: dropped");
    assert_eq!(listing(&run, "Akeela House").address.street, None);

    let p = problem(&run, 16, "address.state");
    assert_eq!(p.reason, "the state is missing: set to VA from the coordinates");

    assert!(problems(&run, 17).is_empty());
    assert!(listing(&run, "Ziponly Recovery").location.expect("placed").approximate);
    assert_eq!(run.summary.sources[0].approximate, 6, "rows 4, 5, 10, 11, 12 and 17");

    // Provenance: the row states what it holds; what validation computed says so.
    let keys = |name: &str, f: Field| -> Vec<String> {
        listing(&run, name).provenance.keys(f).map(str::to_owned).collect()
    };
    let row = |n: usize| vec![format!("{src}:row {n}")];
    assert_eq!(keys("A New Beginning", Field::Location), row(1));
    assert_eq!(keys("A New Beginning", Field::Address), row(1));
    assert_eq!(keys("Indian Rivers Mental Health Center", Field::Location), row(3), "swapped back");
    for (name, centroid) in [
        ("Hope Harbor", "derived:zip-centroid"),
        ("Seaside Sobriety", "derived:zip-centroid"),
        ("Cityonly Counseling", "derived:city-centroid"),
        ("Faraway Point", "derived:zip-centroid"),
        ("Outrange Therapy", "derived:zip-centroid"),
        ("Ziponly Recovery", "derived:zip-centroid"),
    ] {
        assert_eq!(keys(name, Field::Location), [centroid], "{name}");
    }
    assert_eq!(
        keys("Quixote Clinic", Field::Address),
        ["derived:state-from-zip".to_owned(), format!("{src}:row 6")]
    );
    assert_eq!(
        keys("Stateless Services", Field::Address),
        ["derived:state-from-point".to_owned(), format!("{src}:row 16")]
    );
    assert_eq!(keys("Zephyr Wellness", Field::Address), row(7), "a state name is the row's");
    // The national list says nothing about services: no provenance for them.
    assert!(!listing(&run, "A New Beginning").provenance.has(Field::Levels));
}

const DHCS_HEADER: &str = "license_number,facility_name,legal_entity,address_line1,address_line2,additional_locations,city,state,zip,county,county_code,phone,setting_code,offers_detox,is_licensed,is_certified,license_expiration,license_expired,treatment_capacity,total_capacity,target_population_code,target_population,incidental_medical_services,adolescent_waiver,latitude,longitude";

#[test]
fn dhcs_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = [
        // 1: a real row.
        r#"010001AN,CHRYSALIS,"HORIZON SERVICES, INCORPORATED",3837 TELEGRAPH AVENUE,,"3839, 3841, AND 3843 TELEGRAPH AVENUE",OAKLAND,CA,94609,Alameda County,01,(510) 450-1190,RES,false,true,true,2027-10-31,false,20,20,1.3,WOMEN ONLY,false,false,37.827325,-122.264974"#,
        // 2: an exchange that starts with 1 (a real DHCS phone).
        r#"010001BN,CRONIN HOUSE,"HORIZON SERVICES, INCORPORATED",2575 DEPOT ROAD,,,HAYWARD,CA,94545,Alameda County,01,(916) 199-0199,RES,false,true,false,2028-02-29,false,52,52,1.1,CO-ED,true,false,37.63874,-122.114349"#,
        // 3: seven digits.
        r#"010002AN,BANYAN HOUSE,BANYAN INC,100 MAIN STREET,,,OAKLAND,CA,94612,Alameda County,01,450-1190,NON,false,false,true,2028-02-29,false,0,0,1.1,CO-ED,false,false,37.80,-122.27"#,
        // 4: no facility name.
        r#"010003AN,,SOMEONE INC,200 MAIN STREET,,,OAKLAND,CA,94612,Alameda County,01,(510) 555-0100,NON,false,false,true,2028-02-29,false,0,0,1.1,CO-ED,false,false,37.80,-122.27"#,
        // 5: state in lower case (real).
        r#"490038KP,SONOMA HOUSE,SONOMA INC,300 SPAIN STREET,,,SONOMA,ca,94952,Sonoma County,49,(707) 555-0100,NON,false,false,true,2028-02-29,false,0,0,1.1,CO-ED,false,false,38.29,-122.46"#,
        // 6: state "C" (real), the ZIP tells it.
        r#"500002HN,CERES PLACE,CERES INC,400 FOURTH STREET,,,CERES,C,95307,Stanislaus County,50,(209) 555-0100,NON,false,false,true,2028-02-29,false,0,0,1.1,CO-ED,false,false,37.59,-120.95"#,
        // 7: no coordinates (real): placed at its ZIP.
        r#"190808BN,BIENESTAR HUMAN SERVICES,"BIENESTAR HUMAN SERVICES, INC.",436W. STREET,SUITE 100,,POMONA,CA,91766,,19,(866) 590-6411,NON,false,false,true,2028-04-30,false,0,0,1.1,CO-ED,false,false,,"#,
        // 8: no address and no coordinates (real): cannot be placed.
        r#"190080AP,RECOVERY CORPS HEALTH GROUP,"RECOVERY CORPS HEALTH GROUP, LLC",,,,,,,,19,(562) 346-4835,RES,true,true,false,2028-06-30,false,6,6,1.1,CO-ED,true,false,,"#,
        // 9: an unknown setting code and target population.
        r#"010004AN,NEWCODE PLACE,NEWCODE INC,500 MAIN STREET,,,OAKLAND,CA,94612,Alameda County,01,(510) 555-0101,XYZ,false,false,true,2028-02-29,false,0,0,1.99,ELDERLY,false,false,37.801,-122.271"#,
    ];
    let text = format!("{DHCS_HEADER}\n{}\n", rows.join("\n"));
    let run = run(dir.path(), "dhcs.csv", &text);
    let row = &run.summary.sources[0];
    assert_eq!((row.read, row.rejected, row.unmapped, row.approximate), (9, 2, 1, 1));
    assert_eq!(run.listings.len(), 7);

    assert!(problems(&run, 1).is_empty());
    let chrysalis = listing(&run, "CHRYSALIS");
    assert_eq!(chrysalis.phones.main.as_deref(), Some("+15104501190"));

    let p = problem(&run, 2, "phones.main");
    assert_eq!(p.kind, ProblemKind::Repaired);
    assert_eq!(p.reason, "\"(916) 199-0199\" is not a valid North American number: dropped");
    assert_eq!(listing(&run, "CRONIN HOUSE").phones.main, None, "the rest of the record stays");

    let p = problem(&run, 3, "phones.main");
    assert_eq!(p.reason, "\"450-1190\" does not have 10 digits: dropped");

    let p = problem(&run, 4, "facility_name");
    assert_eq!((p.kind, p.source.as_str()), (ProblemKind::Rejected, "ca-dhcs"));

    assert_eq!(problem(&run, 5, "address.state").reason, "state \"ca\" written as \"CA\"");
    assert_eq!(
        problem(&run, 6, "address.state").reason,
        "state \"C\" is not a US state or territory code: set to CA from ZIP 95307"
    );
    assert!(listing(&run, "BIENESTAR HUMAN SERVICES").location.expect("placed").approximate);

    let p = problem(&run, 8, "location");
    assert_eq!(p.kind, ProblemKind::Rejected);
    assert_eq!(p.reason, "cannot be placed: no usable coordinates, and no known ZIP code or city");

    let unmapped: Vec<_> =
        problems(&run, 9).into_iter().map(|p| (p.kind, p.field.as_str())).collect();
    assert_eq!(
        unmapped,
        [(ProblemKind::Unmapped, "setting_code"), (ProblemKind::Unmapped, "target_population")]
    );
    let newcode = listing(&run, "NEWCODE PLACE");
    assert!(newcode.levels.is_unknown() && newcode.populations.is_unknown());
    assert!(newcode.services.iter().any(|s| s == "DHCS setting XYZ"));
}

#[test]
fn otp_postal_codes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "ID,ADDRESS,CITY,STATE,POSTAL,Latitude,Longitude\n\
        Community Medical Services - Wasilla,\"2521 E. Mountain Village Drive, Suites E and F\",Wasilla,AK,99654-8525,61.57309268,-149.3869844\n\
        Hartford Dispensary,345 Main Street,Hartford,CT,6106,41.7582,-72.6781\n\
        Letters Clinic,1 Main Street,Hartford,CT,O6106,41.7583,-72.6782\n";
    let run = run(dir.path(), "otp.csv", text);
    assert_eq!(run.listings.len(), 3);
    let p = problem(&run, 1, "address.zip");
    assert_eq!(p.reason, "ZIP \"99654-8525\" ZIP+4 cut to 99654");
    let p = problem(&run, 2, "address.zip");
    assert_eq!(
        p.reason,
        "ZIP \"6106\" lost its leading zeros (stored as a number): padded to 06106"
    );
    assert_eq!(listing(&run, "Hartford Dispensary").address.zip.as_deref(), Some("06106"));
    let p = problem(&run, 3, "address.zip");
    assert!(p.reason.contains("\"O6106\" is not a ZIP code"), "{}", p.reason);
    assert!(run.listings.iter().all(|l| l.levels.contains("otp")));
}

#[test]
fn findtreatment_phones_and_web_sites() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = r#"{"rows": [
      {"frid": "f1", "name1": "Scheme Missing", "street1": "800 Preston Avenue", "city": "Charlottesville",
       "state": "VA", "zip": "22903", "phone": "434-972-1800", "intake1": "12345",
       "website": "www.regionten.org", "latitude": "38.0366", "longitude": "-78.4897", "services": []},
      {"frid": "f2", "name1": "Not A Site", "street1": "1 Court Square", "city": "Charlottesville",
       "state": "VA", "zip": "22902", "phone": "(434) 555-0199 x 12",
       "website": "see our office", "latitude": "38.0310", "longitude": "-78.4770", "services": []},
      {"frid": "f3", "name1": "Https Already", "street1": "2 Court Square", "city": "Staunton",
       "state": "VA", "zip": "24401", "phone": "540-555-0100",
       "website": "HTTPS://Example.org/iop", "latitude": "38.1496", "longitude": "-79.0717", "services": []}
    ]}"#;
    let run = run(dir.path(), "saved_response.json", text);
    assert_eq!(run.listings.len(), 3);
    let p = problem(&run, 1, "website");
    assert_eq!(
        p.reason,
        "\"www.regionten.org\" has no scheme: written as \"http://www.regionten.org\""
    );
    let first = listing(&run, "Scheme Missing");
    assert_eq!(first.website.as_deref(), Some("http://www.regionten.org"));
    assert_eq!(first.phones.main.as_deref(), Some("+14349721800"));
    assert_eq!(first.phones.intake, None);
    assert_eq!(
        problem(&run, 1, "phones.intake").reason,
        "\"12345\" does not have 10 digits: dropped"
    );
    // A dropped value has no provenance; a repaired one keeps its record's.
    assert!(!first.provenance.has(Field::PhoneIntake));
    assert!(first.provenance.keys(Field::PhoneMain).eq(["samhsa-findtreatment:f1"]));
    assert!(first.provenance.keys(Field::Website).eq(["samhsa-findtreatment:f1"]));

    let p = problem(&run, 2, "website");
    assert_eq!(p.reason, "website \"see our office\" is not a valid http(s) URL: dropped");
    let second = listing(&run, "Not A Site");
    assert_eq!(second.website, None);
    assert!(!second.provenance.has(Field::Website));
    assert_eq!(second.phones.main.as_deref(), Some("+14345550199"), "extension dropped");

    assert!(problems(&run, 3).is_empty());
    assert_eq!(listing(&run, "Https Already").website.as_deref(), Some("https://Example.org/iop"));
}

#[test]
fn a_file_that_cannot_be_read_is_a_read_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no_such_file.csv");
    let opts =
        IngestOptions { data_dir: data_dir(), sources: vec![missing.clone()], progress: false };
    match ingest(&opts, geo()) {
        Err(Error::Read { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected a read error, got {:?}", other.map(|r| r.listings.len())),
    }
    // A parser given an unreadable file directly says the same.
    match iop_ingest::dhcs::parse(&missing) {
        Err(e @ Error::Read { .. }) => assert!(e.to_string().contains("no_such_file.csv")),
        other => panic!("expected a read error, got {:?}", other.map(|p| p.read)),
    }
}

#[test]
fn a_file_in_no_known_format_is_a_format_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("people.csv");
    std::fs::write(&path, "first,last\nAda,Lovelace\n").expect("written");
    let opts = IngestOptions { data_dir: data_dir(), sources: vec![path.clone()], progress: false };
    match ingest(&opts, geo()) {
        Err(Error::Format { path: p, message }) => {
            assert_eq!(p, path);
            assert!(message.contains("not a known listing source"), "{message}");
        }
        other => panic!("expected a format error, got {:?}", other.map(|r| r.listings.len())),
    }
    // A folder with no source in it.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("created");
    let opts =
        IngestOptions { data_dir: data_dir(), sources: vec![empty.clone()], progress: false };
    match ingest(&opts, geo()) {
        Err(Error::Format { path, message }) => {
            assert_eq!(path, empty);
            assert!(message.contains("no known listing source"), "{message}");
        }
        other => panic!("expected a format error, got {:?}", other.map(|r| r.listings.len())),
    }
    // A national-looking file without a column the parser needs: the column is named.
    let bad = dir.path().join("national.csv");
    std::fs::write(
        &bad,
        "name1,street1,city,state,zip,latitude,longitude\nA,1 Main,X,VA,22902,38.0,-78.0\n",
    )
    .expect("written");
    let opts = IngestOptions { data_dir: data_dir(), sources: vec![bad.clone()], progress: false };
    match ingest(&opts, geo()) {
        Err(Error::Format { path, message }) => {
            assert_eq!(path, bad);
            assert!(message.contains("missing column \"name2\""), "{message}");
        }
        other => panic!("expected a format error, got {:?}", other.map(|r| r.listings.len())),
    }
    // Bytes that are not UTF-8.
    let latin1 = dir.path().join("latin1.csv");
    let mut bytes = format!("{NATIONAL_HEADER}\n").into_bytes();
    bytes.extend_from_slice(b"Cl\xednica,,1 Main,,San Juan,PR,00901,,,18.46,-66.10\n");
    std::fs::write(&latin1, bytes).expect("written");
    let opts = IngestOptions { data_dir: data_dir(), sources: vec![latin1], progress: false };
    match ingest(&opts, geo()) {
        Err(Error::Format { message, .. }) => assert!(message.contains("line 2"), "{message}"),
        other => panic!("expected a format error, got {:?}", other.map(|r| r.listings.len())),
    }
}
