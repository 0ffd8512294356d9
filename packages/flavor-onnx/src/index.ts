export { loadOnnxModel } from './onnx-predictor.js'
export { flattenRow, splitRows, toTensorData, type Dtype } from './tensors.js'
