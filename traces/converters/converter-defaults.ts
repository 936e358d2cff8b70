/**
 * The converters' defaults, apart from the converters so that the CLI's help can name
 * them without loading the CSV reader (`strait --help` starts without csv-parse).
 */

/** azure-llm-2023: requests by source (code, conv) to MODEL:PRIORITY[:BATCH]. */
export const AZURE_LLM_2023_DEFAULT_MAP = 'code=bert_base:high,conv=bert_base:low,*=bert_base:low';
/** azure-llm-2023: input and output bytes per context or generated token. */
export const DEFAULT_BYTES_PER_TOKEN = 4;
/** azure-functions-2019: requests by trigger to MODEL:PRIORITY[:BATCH]. */
export const AZURE_FUNCTIONS_2019_DEFAULT_MAP = 'http=mobilenet_v2:high,*=resnet152:low';
/** azure-functions-2021: requests spread over models by a hash of the function. */
export const AZURE_FUNCTIONS_2021_DEFAULT_MAP = 'hash:mobilenet_v2+resnet152+bert_base:high=0.25';
