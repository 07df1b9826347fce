import SplatCore

/// One frame of a sequence: when, from where, and where its files go.
public struct FrameJob: Equatable, Sendable {
    /// The frame's global index in the sequence.
    public var index: Int
    public var time: Float
    public var camera: Camera
    public var output: String
    public var depthOutput: String?

    public init(index: Int, time: Float, camera: Camera, output: String, depthOutput: String? = nil) {
        self.index = index
        self.time = time
        self.camera = camera
        self.output = output
        self.depthOutput = depthOutput
    }

    /// Every file the frame writes.
    public var paths: [String] { [output] + (depthOutput.map { [$0] } ?? []) }
}

/// What to render: one frame, or a sequence over a schedule with a moving camera. Output names
/// hold a frame placeholder (%05d or {frame}; {name} for dataset cameras) when there are several frames.
public struct SequenceRequest: Sendable {
    /// How the camera moves over a sequence.
    public enum Motion: Equatable, Sendable {
        /// The camera of `camera`, for every frame.
        case fixed
        /// A turntable around the scene's centre; a nil radius frames the whole scene.
        case orbit(radius: Float?, elevationDegrees: Float, revolutions: Float)
        /// A keyframed camera path file (JSON).
        case keyframes(path: String)
        /// Every camera of a cameras.json / transforms.json, each at its own time.
        case dataset(path: String)
    }

    /// What to do with frames whose files already exist.
    public enum ExistingFiles: Sendable {
        case refuse, overwrite, resume
    }

    /// The scene's name (its path), for messages.
    public var sceneName: String
    public var output: String
    public var depthOutput: String?
    /// The fixed camera, and the size and field of view of moving ones.
    public var camera: CameraRequest
    public var motion: Motion
    /// Scene time of a single frame; nil: the start of the scene.
    public var time: Float?
    public var spacing: FrameSpacing
    /// This node's block of the frames; nil: the one render-farm variables in `environment` give, else all.
    public var shard: Shard?
    /// The process environment, read for Slurm / Kubernetes shard variables.
    public var environment: [String: String]
    public var existingFiles: ExistingFiles
    /// The codec and quality of a video output (`output` ending in .mp4, .webm, .mov or .gif).
    public var video: VideoRequest = VideoRequest()

    public init(sceneName: String, output: String, depthOutput: String? = nil, camera: CameraRequest = CameraRequest(),
                motion: Motion = .fixed, time: Float? = nil, spacing: FrameSpacing = FrameSpacing(), shard: Shard? = nil,
                environment: [String: String] = [:], existingFiles: ExistingFiles = .refuse) {
        self.sceneName = sceneName
        self.output = output
        self.depthOutput = depthOutput
        self.camera = camera
        self.motion = motion
        self.time = time
        self.spacing = spacing
        self.shard = shard
        self.environment = environment
        self.existingFiles = existingFiles
    }

    /// The video container `output` names, if it is a video.
    public var videoContainer: VideoContainer? { VideoContainer(path: output) }

    /// Whether this asks for a sequence rather than one frame.
    public var isSequence: Bool { spacing.isSequence || motion != .fixed }
}

/// What the user chose for a video output; the rest (container, frame rate, alpha) comes from the
/// output's name, the sequence and the frame outputs.
public struct VideoRequest: Equatable, Sendable {
    public var codec: String?
    public var crf: Int?

    public init(codec: String? = nil, crf: Int? = nil) {
        self.codec = codec
        self.crf = crf
    }
}
