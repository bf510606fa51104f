//! OpenAI Chat Completions: wire types, request translation to Responses
//! (translation.md §2), the streaming converter (§3) and non-streaming aggregation (§3.1).

mod aggregate;
mod request;
mod stream;
mod types;

pub use aggregate::aggregate_chat_completion;
pub use request::chat_to_responses;
pub use stream::{ChatStreamItem, ChatStreamOptions, ResponsesToChatStream};
pub use types::{
    ChatChoice, ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatContent,
    ChatContentPart, ChatDelta, ChatFunction, ChatFunctionCall, ChatMessage, ChatResponseMessage,
    ChatTool, ChatToolCall, ChatToolCallDelta, ChatToolCallFunctionDelta, ChatUsage, ChunkChoice,
    CompletionTokensDetails, PromptTokensDetails, StreamOptions,
};
