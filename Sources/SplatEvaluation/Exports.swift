// A Swift package's tests import only SplatEvaluation: the model types they touch (Camera, Image,
// RenderSettings, TemporalCloud) and the render library come with it.
@_exported import SplatCore
@_exported import SplatRender
