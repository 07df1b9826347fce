@testable import SplatCore
@testable import SplatFormats

/// Builds small clouds by hand for tests.
typealias CloudBuilder = SplatCloudBuilder

/// A camera at the origin looking down +z with square pixels and the principal point at the centre.
func axisCamera(width: Int = 32, height: Int = 32, focal: Float = 32) -> Camera {
    Camera(width: width, height: height, fx: focal, fy: focal, rotation: .identity, translation: .zero)
}
