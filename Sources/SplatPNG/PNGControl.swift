import CPNG

/// One libpng simplified-API control block (`png_image`).
/// A class so that `deinit` frees libpng's state on every path, thrown errors included;
/// `png_image_free` is safe to call again after libpng has freed it itself.
final class PNGControl {
    let image: UnsafeMutablePointer<png_image>

    init() {
        image = .allocate(capacity: 1)
        image.initialize(to: png_image())
        image.pointee.version = png_uint_32(SPLAT_PNG_IMAGE_VERSION)
    }

    deinit {
        png_image_free(image)
        image.deinitialize(count: 1)
        image.deallocate()
    }

    /// libpng's last error or warning text, e.g. "Not enough image data".
    var message: String {
        withUnsafeBytes(of: image.pointee.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
