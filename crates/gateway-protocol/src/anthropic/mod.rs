//! Anthropic Messages: wire types, request translation to Responses (translation.md §4),
//! the streaming converter (§5), non-streaming aggregation (§5.1) and the usage arithmetic.

mod aggregate;
mod request;
mod stream;
mod types;

pub use aggregate::aggregate_anthropic_message;
pub use request::{
    anthropic_to_responses, effort_for_thinking, AnthropicOptions, AnthropicTranslation,
};
pub use stream::{AnthropicStreamEvent, AnthropicStreamOptions, ResponsesToAnthropicStream};
pub use types::{
    AnthropicContent, AnthropicMessage, AnthropicMessageResponse, AnthropicMetadata, AnthropicTool,
    AnthropicToolChoice, AnthropicUsage, ContentBlock, DocumentBlock, ImageBlock, ImageSource,
    MessagesRequest, OutputConfig, SystemPrompt, TextBlock, ThinkingBlock, ThinkingConfig,
    ToolResultBlock, ToolResultContent, ToolUseBlock,
};
