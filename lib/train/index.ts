// keel.train: the fit loop, evaluation, metrics, callbacks, hyperparameter search and curves.
export { evaluate, fit } from './fit.js';
export type { CheckpointOptions, DataSource, EvaluateOptions, EvaluateResult, FitOptions, FitResult, LossFunction } from './fit.js';
export { EarlyStopping, ProgressBar } from './callbacks.js';
export type { BatchEnd, Callback, EarlyStoppingOptions, Monitor, TrainingContext } from './callbacks.js';
export { accuracy, ConfusionMatrix, predictions, targetRanks, topKAccuracy } from './metrics.js';
export { formatTrials, gridPoints, kFoldIndices, randomPoints, search } from './search.js';
export type { ParamRange, Params, ParamValue, SearchOptions, SearchResult, SearchSpace, TrialResult, TrialSetup } from './search.js';
export { renderCurvesHtml, renderCurvesSvg, writeCurves } from './chart.js';
export type { EpochRecord } from './chart.js';
