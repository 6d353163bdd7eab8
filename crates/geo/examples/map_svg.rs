//! Writes an SVG of the state outlines with a dot per city given on the command line, to look
//! at the map the web pages draw: `cargo run -p iop-geo --example map_svg -- "Miami, FL" 99546`.

use std::fmt::Write as _;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let outlines = iop_geo::map::StateOutlines::load(&data)?;
    let geocoder = iop_geo::Geocoder::load(&data)?;
    let mut svg = String::from(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 975 610" width="975" height="610"><g fill="#eee" stroke="#888" stroke-width=".5">"##,
    );
    for (code, d) in outlines.all() {
        write!(svg, r#"<path id="{code}" d="{d}"/>"#)?;
    }
    svg.push_str(r##"</g><g fill="#c00">"##);
    for arg in std::env::args().skip(1) {
        let place = geocoder.geocode(&arg)?;
        if let Some((x, y)) = iop_geo::map::albers_usa(place.lat, place.lon) {
            write!(svg, r#"<circle cx="{x:.1}" cy="{y:.1}" r="3"/>"#)?;
        }
    }
    svg.push_str("</g></svg>\n");
    print!("{svg}");
    eprintln!("path data: {} bytes; svg: {} bytes", outlines.total_bytes(), svg.len());
    Ok(())
}
