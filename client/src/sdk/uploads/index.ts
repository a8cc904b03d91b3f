export { Uploads } from './Uploads.ts';
export { sdkUrlStorage, fingerprintOf } from './urlStorage.ts';
export type { UploadFile, UploadOptions, UploadHandle, UploadState, UploadProgress, UploadEvents, OnlineSignal, UploadsConfig } from './types.ts';
