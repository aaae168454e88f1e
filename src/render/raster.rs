//! PNG and PDF from the call graph's SVG (the `render` cargo feature):
//! resvg rasterizes, svg2pdf converts, both pure Rust, with DejaVu Sans
//! (from the `dejavu` crate) as the only font, so the result does not depend
//! on the fonts a machine has.

use resvg::{tiny_skia, usvg};

/// Pixels at most (about 8000 × 8000): larger drawings are scaled down.
const MAX_PIXELS: f64 = 64.0e6;

/// Parses the SVG with the embedded font.
fn tree(svg: &str) -> Result<usvg::Tree, String> {
    let mut opt = usvg::Options::default();
    {
        let db = opt.fontdb_mut();
        db.load_font_data(dejavu::sans::regular().to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        db.set_serif_family("DejaVu Sans");
    }
    opt.font_family = "DejaVu Sans".to_string();
    usvg::Tree::from_str(svg, &opt).map_err(|e| format!("drawing the graph: {e}"))
}

/// The SVG as a PNG, at 96 pixels per inch (a point is 4/3 pixels), scaled
/// down if it would exceed [`MAX_PIXELS`].
pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    let tree = tree(svg)?;
    let size = tree.size();
    let mut scale = 4.0 / 3.0;
    let pixels = f64::from(size.width()) * f64::from(size.height()) * scale * scale;
    if pixels > MAX_PIXELS {
        scale *= (MAX_PIXELS / pixels).sqrt();
    }
    let w = ((f64::from(size.width()) * scale).ceil() as u32).max(1);
    let h = ((f64::from(size.height()) * scale).ceil() as u32).max(1);
    let mut pixmap =
        tiny_skia::Pixmap::new(w, h).ok_or_else(|| format!("cannot draw {w}×{h} pixels"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let s = scale as f32;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(s, s),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("encoding PNG: {e}"))
}

/// The SVG as a one-page PDF (vector, text as embedded font subsets).
pub fn pdf(svg: &str) -> Result<Vec<u8>, String> {
    let tree = tree(svg)?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| format!("writing PDF: {e}"))
}
